package report

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ErrNoChromium means no headless-capable Chromium was found for PNGs.
var ErrNoChromium = errors.New("PNG export needs headless Chromium, and none was found: install it (Debian and Ubuntu: apt-get install chromium; macOS: brew install --cask chromium) or set GMVSCOPE_CHROMIUM to its path")

// FindChromium returns the Chromium to draw PNGs with: $GMVSCOPE_CHROMIUM
// when set, else the first of chromium, chromium-browser, google-chrome,
// google-chrome-stable and headless-shell on PATH.
func FindChromium(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if p := getenv("GMVSCOPE_CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("GMVSCOPE_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// PNGRenderer rasterises the exported SVGs in headless Chromium: the PNG
// is the SVG as a browser draws it, at a device pixel ratio of 2, so it
// looks exactly like the SVG and never like a canvas redrawn at another
// ratio (which once dropped every point of a large scatter). The browser
// runs with the network off and no profile; Close stops it.
type PNGRenderer struct {
	ctx     context.Context
	cancel  []context.CancelFunc
	tmp     string
	counter int
}

// NewPNGRenderer starts Chromium at exe.
func NewPNGRenderer(ctx context.Context, exe string) (*PNGRenderer, error) {
	tmp, err := os.MkdirTemp("", "gmvscope-png-*")
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true), chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(filepath.Join(tmp, "profile")))
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	r := &PNGRenderer{ctx: bctx, cancel: []context.CancelFunc{cancelB, cancelA}, tmp: tmp}
	if err := chromedp.Do(bctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("start Chromium (%s): %w", exe, err)
	}
	return r, nil
}

// Close stops the browser and removes its files.
func (r *PNGRenderer) Close() {
	for _, c := range r.cancel {
		c()
	}
	os.RemoveAll(r.tmp)
}

// Render draws an SVG of w × h CSS pixels as a PNG of 2w × 2h pixels.
func (r *PNGRenderer) Render(svg string, w, h int) ([]byte, error) {
	r.counter++
	file := filepath.Join(r.tmp, fmt.Sprintf("chart-%d.html", r.counter))
	doc := `<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;padding:0;background:#fff;overflow:hidden}svg{display:block}</style></head><body>` +
		strings.Replace(svg, "<?xml", "<!--", 1) + `</body></html>`
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		return nil, err
	}
	defer os.Remove(file)
	ctx, cancel := context.WithTimeout(r.ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(int64(w), int64(h), chromedp.EmulateScale(2)),
		chromedp.Navigate("file://"+file))
	if err != nil {
		return nil, fmt.Errorf("draw the PNG in Chromium: %w", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.fonts.ready.then(function () { return true; })`, chromedp.EvalAwaitPromise)); err != nil {
		return nil, fmt.Errorf("draw the PNG in Chromium: %w", err)
	}
	png, err := chromedp.Run(ctx, chromedp.Action[[]byte](func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		res, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:      page.CaptureScreenshotFormatPng,
			FromSurface: ptrTrue(),
			Clip:        &page.Viewport{X: 0, Y: 0, Width: float64(w), Height: float64(h), Scale: 1},
		})
		if err != nil {
			return nil, err
		}
		return res.Data, nil
	}))
	if err != nil {
		return nil, fmt.Errorf("draw the PNG in Chromium: %w", err)
	}
	return png, nil
}

func ptrTrue() *bool { t := true; return &t }
