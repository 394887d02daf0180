package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/dop251/goja"

	"gmvscope/templates"
)

// SVGRenderer draws charts as SVG without a browser: echarts' server-side
// SVG renderer (ssr: true, renderToSVGString) runs in goja, a JavaScript
// engine in pure Go, with the same charts.js the report page runs. A
// renderer loads echarts once (about 0.2 s) and is not safe for
// concurrent use; Render serialises callers.
//
// Without a browser there is no font to measure text with, so the measurer
// below estimates widths from zrender's table of a Helvetica-like font,
// 15% wider for DejaVu Sans and other wide fonts a viewer may substitute:
// a wrapped note then fits inside the image whichever font draws it.
type SVGRenderer struct {
	mu  sync.Mutex
	vm  *goja.Runtime
	svg goja.Callable
}

// bootstrap gives goja what echarts expects of a browser-less host: timers
// (SSR never waits on them; the queue is dropped), and a text measurer. The
// fallback measurer of zrender counts every character outside ASCII as one
// em; this one counts directional marks and isolates as nothing and Arabic
// letters as half an em, so wrapped Arabic notes break where a
// browser would.
const bootstrap = `
var self = this, window = undefined;
var setTimeout = function () { return 0; }, clearTimeout = function () {};
var setInterval = setTimeout, clearInterval = clearTimeout;
var requestAnimationFrame = setTimeout, cancelAnimationFrame = clearTimeout;
`

const measurer = `
(function () {
  var ascii = "007LLmW'55;N0500LLLLLLLLLL00NNNLzWW\\\\WQb\\0FWLg\\bWb\\WQ\\WrWWQ000CL5LLFLL0LL**F*gLLLL5F0LF\\FFF5.5N";
  echarts.setPlatformAPI({ measureText: function (text, font) {
    text = text || ""; font = font || "12px sans-serif";
    var m = /((?:\d+)?\.?\d*)px/.exec(font), size = (m && +m[1]) || 12, bold = /bold|[6-9]00/.test(font) ? 1.15 : 1, w = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c >= 32 && c < 127) { w += (ascii.charCodeAt(c - 32) - 20) / 100; }
      else if ((c >= 0x200b && c <= 0x200f) || (c >= 0x2066 && c <= 0x2069) || c === 0x061c || (c >= 0x064b && c <= 0x065f)) { }
      else if (c >= 0x0600 && c <= 0x06ff) { w += 0.5; }
      else if (c >= 0x2e80) { w += 1; }
      else { w += 0.6; }
    }
    return { width: w * size * bold * 1.15 };
  }});
})();
`

// NewSVGRenderer loads echarts and charts.js into a fresh JavaScript engine.
func NewSVGRenderer() (*SVGRenderer, error) {
	ech, err := templates.EchartsSource()
	if err != nil {
		return nil, err
	}
	vm := goja.New()
	for name, src := range map[string]string{"bootstrap": bootstrap} {
		if _, err := vm.RunScript(name, src); err != nil {
			return nil, fmt.Errorf("svg renderer: %s: %w", name, err)
		}
	}
	if _, err := vm.RunScript("echarts.min.js", string(ech)); err != nil {
		return nil, fmt.Errorf("svg renderer: load echarts: %w", err)
	}
	if _, err := vm.RunScript("measurer", measurer); err != nil {
		return nil, fmt.Errorf("svg renderer: %w", err)
	}
	if _, err := vm.RunScript("charts.js", string(templates.ChartsSource())); err != nil {
		return nil, fmt.Errorf("svg renderer: load charts.js: %w", err)
	}
	fn, err := vm.RunString(`(function (view, meta, w, h, loc) {
  return gmvscope.svg(echarts, JSON.parse(view), JSON.parse(meta), w, h, JSON.parse(loc));
})`)
	if err != nil {
		return nil, err
	}
	svg, ok := goja.AssertFunction(fn)
	if !ok {
		return nil, errors.New("svg renderer: no render function")
	}
	return &SVGRenderer{vm: vm, svg: svg}, nil
}

// Render draws chart c as an SVG image of w × h pixels in locale l, laid
// out for publishing: title, subtitle, legend, plot, notes, source and date.
func (r *SVGRenderer) Render(c Chart, w, h int, l *Locale) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	view, err := json.Marshal(c.view)
	if err != nil {
		return "", err
	}
	meta, err := json.Marshal(c.meta)
	if err != nil {
		return "", err
	}
	loc, err := json.Marshal(l.JS())
	if err != nil {
		return "", err
	}
	v, err := r.svg(goja.Undefined(), r.vm.ToValue(string(view)), r.vm.ToValue(string(meta)), r.vm.ToValue(w), r.vm.ToValue(h), r.vm.ToValue(string(loc)))
	if err != nil {
		return "", fmt.Errorf("render %s as SVG: %w", c.Name, err)
	}
	return v.String(), nil
}
