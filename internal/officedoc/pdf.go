package officedoc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/signintech/gopdf"
)

// FontPaths are where Debian and other Linux systems put a Chinese TrueType font that
// gopdf can embed (glyf outlines; the CFF-based Noto CJK .ttc files cannot be used).
// fonts-wqy-microhei (Apache-2.0 / GPLv3 with the font exception) comes first.
var FontPaths = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/arphic/uming.ttc",
}

// ErrNoFont means no usable Chinese font was found on the machine.
var ErrNoFont = errors.New("officedoc: no Chinese TrueType font found (install fonts-wqy-microhei or set PINGYI_CJK_FONT)")

var fonts struct {
	sync.Mutex
	byPath map[string][]byte
}

// Font returns the TrueType data of the Chinese font at path, or of the first of
// FontPaths that exists when path is "". A .ttc collection gives its first face. The
// result is kept for the life of the process (a font file is a few megabytes, read once).
func Font(path string) ([]byte, error) {
	fonts.Lock()
	defer fonts.Unlock()
	if fonts.byPath == nil {
		fonts.byPath = map[string][]byte{}
	}
	if b, ok := fonts.byPath[path]; ok {
		return b, nil
	}
	candidates := FontPaths
	if path != "" {
		candidates = []string{path}
	}
	for _, p := range candidates {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		ttf, err := FirstFace(raw)
		if err != nil {
			return nil, fmt.Errorf("officedoc: font %s: %w", p, err)
		}
		fonts.byPath[path] = ttf
		return ttf, nil
	}
	return nil, ErrNoFont
}

// FirstFace returns a standalone TrueType font: the data itself for a .ttf, or the first
// face of a TrueType collection (.ttc), its tables copied out with their offsets rewritten.
// gopdf reads single fonts only.
func FirstFace(b []byte) ([]byte, error) {
	if len(b) < 12 {
		return nil, errors.New("not a font")
	}
	if string(b[:4]) != "ttcf" {
		return b, nil
	}
	if binary.BigEndian.Uint32(b[8:]) == 0 || len(b) < 16 {
		return nil, errors.New("empty font collection")
	}
	off := int(binary.BigEndian.Uint32(b[12:]))
	if off+12 > len(b) {
		return nil, errors.New("bad font collection")
	}
	n := int(binary.BigEndian.Uint16(b[off+4:]))
	if off+12+16*n > len(b) {
		return nil, errors.New("bad font collection")
	}
	out := make([]byte, 12+16*n, len(b))
	copy(out, b[off:off+12])
	for i := 0; i < n; i++ {
		rec := b[off+12+16*i : off+28+16*i]
		start, length := int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))
		if start < 0 || length < 0 || start+length > len(b) {
			return nil, errors.New("bad font table")
		}
		dst := out[12+16*i : 28+16*i]
		copy(dst, rec)
		binary.BigEndian.PutUint32(dst[8:], uint32(len(out)))
		out = append(out, b[start:start+length]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}

// A4 in points, and the GB/T 9704 margins (37/35/28/26 mm).
const (
	pageW, pageH = 595.28, 841.89
	marginTop    = 104.9
	marginBottom = 99.2
	marginLeft   = 79.4
	marginRight  = 73.7
	textW        = pageW - marginLeft - marginRight
	bodySize     = 16.0
	bodyLine     = 28.0
)

// PDF writes the letter as an A4 PDF with the Chinese font embedded (subset to the
// characters used).
func PDF(l Letter, font []byte) ([]byte, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: gopdf.Rect{W: pageW, H: pageH}})
	pdf.SetInfo(gopdf.PdfInfo{Title: l.Title, Creator: "评议", Producer: "评议 (gopdf)"})
	if err := pdf.AddTTFFontData("cjk", font); err != nil {
		return nil, fmt.Errorf("officedoc: pdf font: %w", err)
	}
	w := &pdfWriter{pdf: pdf}
	w.newPage()

	// Issuer in red, then the number and the red rule.
	if err := w.centered(l.Issuer, 26, 40, [3]uint8{224, 0, 0}); err != nil {
		return nil, err
	}
	w.y += 6
	if err := w.centered(l.numberLine(), bodySize, bodyLine, [3]uint8{0, 0, 0}); err != nil {
		return nil, err
	}
	pdf.SetStrokeColor(224, 0, 0)
	pdf.SetLineWidth(1.5)
	pdf.Line(marginLeft, w.y+4, pageW-marginRight, w.y+4)
	w.y += 30
	// Title, wrapped and centred; then the body.
	if err := w.centered(l.Title, 22, 34, [3]uint8{0, 0, 0}); err != nil {
		return nil, err
	}
	w.y += 14
	if err := w.paragraph(l.Addressee, 0); err != nil {
		return nil, err
	}
	for _, p := range l.Paragraphs {
		if err := w.paragraph(p, 2*bodySize); err != nil {
			return nil, err
		}
	}
	w.y += bodyLine
	for _, s := range []string{l.Signature, l.dateLine()} {
		if err := w.right(s, 4*bodySize); err != nil {
			return nil, err
		}
	}
	return pdf.GetBytesPdf(), nil
}

type pdfWriter struct {
	pdf  *gopdf.GoPdf
	y    float64
	page int
}

func (w *pdfWriter) newPage() {
	w.pdf.AddPage()
	w.page++
	w.y = marginTop
	// Page number, centred at the foot: — 1 —.
	w.pdf.SetFont("cjk", "", 12)
	w.pdf.SetTextColor(0, 0, 0)
	s := fmt.Sprintf("— %d —", w.page)
	tw, _ := w.pdf.MeasureTextWidth(s)
	w.pdf.SetXY((pageW-tw)/2, pageH-marginBottom+30)
	w.pdf.Cell(nil, s)
}

func (w *pdfWriter) need(h float64) {
	if w.y+h > pageH-marginBottom {
		w.newPage()
	}
}

func (w *pdfWriter) centered(text string, size, line float64, color [3]uint8) error {
	if err := w.pdf.SetFont("cjk", "", size); err != nil {
		return err
	}
	lines, err := w.wrap(text, textW, 0)
	if err != nil {
		return err
	}
	for _, ln := range lines {
		w.need(line)
		w.pdf.SetFont("cjk", "", size)
		w.pdf.SetTextColor(color[0], color[1], color[2])
		tw, err := w.pdf.MeasureTextWidth(ln)
		if err != nil {
			return err
		}
		w.pdf.SetXY(marginLeft+(textW-tw)/2, w.y)
		if err := w.pdf.Cell(nil, ln); err != nil {
			return err
		}
		w.y += line
	}
	return nil
}

func (w *pdfWriter) paragraph(text string, indent float64) error {
	if err := w.pdf.SetFont("cjk", "", bodySize); err != nil {
		return err
	}
	lines, err := w.wrap(text, textW, indent)
	if err != nil {
		return err
	}
	for i, ln := range lines {
		w.need(bodyLine)
		w.pdf.SetFont("cjk", "", bodySize)
		w.pdf.SetTextColor(0, 0, 0)
		x := marginLeft
		if i == 0 {
			x += indent
		}
		w.pdf.SetXY(x, w.y)
		if err := w.pdf.Cell(nil, ln); err != nil {
			return err
		}
		w.y += bodyLine
	}
	return nil
}

func (w *pdfWriter) right(text string, rightIndent float64) error {
	w.need(bodyLine)
	w.pdf.SetFont("cjk", "", bodySize)
	w.pdf.SetTextColor(0, 0, 0)
	tw, err := w.pdf.MeasureTextWidth(text)
	if err != nil {
		return err
	}
	w.pdf.SetXY(pageW-marginRight-rightIndent-tw, w.y)
	if err := w.pdf.Cell(nil, text); err != nil {
		return err
	}
	w.y += bodyLine
	return nil
}

// noLineStart are characters a Chinese line must not begin with (避头点): they stay at
// the end of the line before, a little past the margin if need be.
const noLineStart = ",。、;:?!)》」』】〕…—,.;:?!)%"

// wrap breaks text into lines of at most width points (the first line indent points
// narrower), character by character as Chinese is set, keeping runs of Latin letters
// and digits together.
func (w *pdfWriter) wrap(text string, width, indent float64) ([]string, error) {
	var lines []string
	var cur strings.Builder
	curW := 0.0
	limit := width - indent
	tokens := tokenize(text)
	for _, tok := range tokens {
		tw, err := w.pdf.MeasureTextWidth(tok)
		if err != nil {
			return nil, err
		}
		r, _ := utf8.DecodeRuneInString(tok)
		if curW+tw > limit && cur.Len() > 0 && !strings.ContainsRune(noLineStart, r) {
			lines = append(lines, cur.String())
			cur.Reset()
			curW = 0
			limit = width
			if tok == " " {
				continue
			}
		}
		cur.WriteString(tok)
		curW += tw
	}
	if cur.Len() > 0 || len(lines) == 0 {
		lines = append(lines, cur.String())
	}
	return lines, nil
}

// tokenize splits text into single characters, except runs of ASCII letters and digits.
func tokenize(s string) []string {
	var out []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, r := range s {
		if r < 128 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' && word.Len() > 0) {
			word.WriteRune(r)
			continue
		}
		flush()
		out = append(out, string(r))
	}
	flush()
	return out
}
