package testkit

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"strings"
)

// PNGInfo is what a test checks of an exported PNG: its size, and the
// variance of its pixels' brightness (a blank image has next to none).
type PNGInfo struct {
	W, H     int
	Variance float64
}

// ReadPNG decodes a PNG and measures it, sampling every third pixel.
func ReadPNG(b []byte) (PNGInfo, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return PNGInfo{}, fmt.Errorf("PNG does not decode: %w", err)
	}
	info := PNGInfo{W: img.Bounds().Dx(), H: img.Bounds().Dy()}
	var n, sum, sq float64
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 3 {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			v := float64(r+g+bl) / 3 / 257
			n++
			sum += v
			sq += v * v
		}
	}
	if n > 0 {
		info.Variance = sq/n - (sum/n)*(sum/n)
	}
	return info, nil
}

// SVGInfo is what a test checks of an exported SVG.
type SVGInfo struct {
	Title, Desc string
	Texts       []string    // every text node, in order
	Points      map[int]int // data marks drawn per series index
	Large       int         // points drawn in large mode: subpaths of compound paths without series marks
}

// ReadSVG parses an SVG that echarts' server-side renderer wrote. Its data
// elements carry ecmeta_series_index, ecmeta_data_index and
// ecmeta_ssr_type="chart"; in large mode one path without them holds a
// series' points as subpaths, one "M" each, counted in Large.
func ReadSVG(b []byte) (SVGInfo, error) {
	info := SVGInfo{Points: map[int]int{}}
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, fmt.Errorf("SVG does not parse: %w", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			stack = append(stack, e.Name.Local)
			if e.Name.Local != "path" {
				continue
			}
			series, kind, path, data := -1, "", "", false
			for _, a := range e.Attr {
				switch a.Name.Local {
				case "ecmeta_series_index":
					fmt.Sscan(a.Value, &series)
				case "ecmeta_data_index":
					data = true
				case "ecmeta_ssr_type":
					kind = a.Value
				case "d":
					path = a.Value
				}
			}
			if m := strings.Count(path, "M"); kind == "" && m > 50 {
				info.Large += m
			}
			if kind == "chart" && series >= 0 && data {
				info.Points[series]++
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			s := strings.TrimSpace(string(e))
			if s == "" || len(stack) == 0 {
				continue
			}
			switch stack[len(stack)-1] {
			case "title":
				info.Title = s
			case "desc":
				info.Desc = s
			case "text", "tspan":
				info.Texts = append(info.Texts, s)
			}
		}
	}
	return info, nil
}
