package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScripts runs the command line end to end, as Go itself and Hugo
// test theirs: testdata/script/*.txtar are scripts that run gmvscope (this
// test binary, on their PATH) and check its messages, streams, files and
// exit codes. $REPO is the repository, for its config.yaml.
func TestScripts(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("REPO", repo)
			// GMVBIN is the folder testscript put gmvscope in: PATH=$GMVBIN
			// is a machine with gmvscope and nothing else (no Chromium).
			env.Setenv("GMVBIN", filepath.SplitList(env.Getenv("PATH"))[0])
			env.Setenv("GMVSCOPE_LOG", "warn") // scripts check what a user reads, not the run log
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// exits CODE PROG ARGS... runs a program and checks its exit code;
			// stdout and stderr are kept for the commands after it.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits CODE PROG [ARGS...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exits: %v", err)
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("exits: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
		},
	})
}
