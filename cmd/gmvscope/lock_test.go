package main

import (
	"bytes"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"gmvscope/demo"
	"gmvscope/internal/testkit"
)

// TestOneCrawlPerSource starts two gmvscope run processes on one source
// together: exactly one crawls; the other exits 4, naming the holder
// (host and pid) and since when, and starts no run.
func TestOneCrawlPerSource(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	mk := demo.New(demo.Config{Creators: 300})
	srv := testkit.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(10 * time.Millisecond) // slow enough that the two overlap
		mk.Handler().ServeHTTP(w, r)
	}))
	cfg, db := siteConfig(t, srv.URL)
	var cmds [2]*exec.Cmd
	var outs [2]bytes.Buffer
	for i := range cmds {
		cmds[i] = subprocess("run", "--config", cfg, "--source", "demo")
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	codes := [2]int{}
	for i := range cmds {
		cmds[i].Wait()
		codes[i] = cmds[i].ProcessState.ExitCode()
	}
	ran, locked := -1, -1
	for i, c := range codes {
		switch c {
		case ExitOK:
			ran = i
		case ExitLocked:
			locked = i
		}
	}
	if ran < 0 || locked < 0 {
		t.Fatalf("exit codes %v, want one 0 and one 4:\n%s\n---\n%s", codes, outs[0].String(), outs[1].String())
	}
	re := regexp.MustCompile(`gmvscope: source demo is being crawled by [^:]+:(\d+) since \S+ \(lock renewed until \S+\)`)
	m := re.FindStringSubmatch(outs[locked].String())
	if m == nil || m[1] != strconv.Itoa(cmds[ran].Process.Pid) {
		t.Errorf("the locked run says %q; want the holder's pid %d", outs[locked].String(), cmds[ran].Process.Pid)
	}
	rs, _ := runs(t, db)
	if len(rs) != 1 {
		t.Errorf("%d runs in the store, want the one that crawled", len(rs))
	}
}
