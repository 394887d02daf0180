package crawl

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html/charset"
)

// SoftBlock is a page served with status 200 that is not the page asked
// for: a captcha, a login wall, "access denied". Text is matched in the raw
// body (cheap); Selector, when set, must also match the parsed page.
type SoftBlock struct {
	Name     string
	Text     string
	Selector cascadia.Selector
}

// BuiltinSoftBlocks are markers of common bot walls, specific enough not to
// match an ordinary page that merely links to a login.
var BuiltinSoftBlocks = []SoftBlock{
	{Name: "captcha", Text: "g-recaptcha", Selector: cascadia.MustCompile(`.g-recaptcha, iframe[src*="recaptcha"]`)},
	{Name: "captcha", Text: "hcaptcha", Selector: cascadia.MustCompile(`.h-captcha, iframe[src*="hcaptcha"]`)},
	{Name: "captcha", Text: "px-captcha", Selector: cascadia.MustCompile(`#px-captcha`)},
	{Name: "bot challenge", Text: "challenge-form", Selector: cascadia.MustCompile(`#challenge-form, #cf-challenge-running`)},
	{Name: "bot challenge", Text: "Just a moment...", Selector: cascadia.MustCompile(`title:contains("Just a moment...")`)},
	{Name: "access denied", Text: "Access Denied", Selector: cascadia.MustCompile(`title:contains("Access Denied"), h1:contains("Access Denied")`)},
}

// passwordField finds a login form's password input.
var passwordField = cascadia.MustCompile(`input[type=password i]`)

// loginForm reports whether body holds a password field. Only a redirected
// fetch is asked: a data page that was sent elsewhere to a form with a
// password field was sent to a login wall.
func loginForm(body []byte) bool {
	if !bytes.Contains(bytes.ToLower(body), []byte("password")) {
		return false
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	return err == nil && doc.FindMatcher(passwordField).Length() > 0
}

// SoftBlockOf returns the name of the first wall (BuiltinSoftBlocks, then
// extra) that body matches, or "": a stored page is checked again with it
// before it is parsed again.
func SoftBlockOf(body []byte, extra []SoftBlock) string {
	if b := softBlock(body, BuiltinSoftBlocks); b != "" {
		return b
	}
	return softBlock(body, extra)
}

// softBlock returns the name of the first wall the body matches, or "".
func softBlock(body []byte, blocks []SoftBlock) string {
	var doc *goquery.Document
	for _, b := range blocks {
		if b.Text != "" && !bytes.Contains(body, []byte(b.Text)) {
			continue
		}
		if b.Selector == nil {
			return b.Name
		}
		if doc == nil {
			var err error
			if doc, err = goquery.NewDocumentFromReader(bytes.NewReader(body)); err != nil {
				return ""
			}
		}
		if doc.FindMatcher(b.Selector).Length() > 0 {
			return b.Name
		}
	}
	return ""
}

// Decode returns a stored raw body as the UTF-8 text its extractor reads,
// the way the crawl decoded it (header, byte order mark, <meta>, detection).
func Decode(body []byte, contentType string) ([]byte, error) {
	if strings.Contains(strings.ToLower(contentType), "charset=") {
		enc, _, _ := charset.DetermineEncoding(body, contentType)
		return io.ReadAll(enc.NewDecoder().Reader(bytes.NewReader(body)))
	}
	out, _, err := toUTF8(body, contentType)
	return out, err
}

// toUTF8 decodes a body whose charset the Content-Type header did not name
// (colly already decodes those): a byte order mark, then a <meta charset>
// in the first 1024 bytes, then detection when the bytes are not UTF-8.
func toUTF8(body []byte, contentType string) ([]byte, string, error) {
	if strings.Contains(strings.ToLower(contentType), "charset=") {
		return body, "", nil
	}
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" && utf8.Valid(body) {
		return body, "", nil
	}
	if !certain && utf8.Valid(body) {
		return body, "", nil
	}
	out, err := io.ReadAll(enc.NewDecoder().Reader(bytes.NewReader(body)))
	if err != nil {
		return body, name, fmt.Errorf("decode %s: %w", name, err)
	}
	return out, name, nil
}

// textual reports whether a content type can hold a page or data.
func textual(ct string) bool {
	ct = strings.ToLower(ct)
	return ct == "" || strings.Contains(ct, "html") || strings.Contains(ct, "json") || strings.Contains(ct, "xml") || strings.HasPrefix(ct, "text/")
}
