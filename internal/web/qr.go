package web

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/skip2/go-qrcode"
)

// qrSVG draws a QR code as a small inline SVG: one path of horizontal runs, crisp at
// any print size and a few times cheaper to make than a PNG.
func qrSVG(text string, label string) (string, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", err
	}
	bits := q.Bitmap()
	n := len(bits)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" shape-rendering="crispEdges"><path d="`, n, n, label)
	for y, row := range bits {
		for x := 0; x < n; {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < n && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}

// slipURL is the address a slip's QR code holds. Upper case where that changes nothing
// (scheme, host and the /V/ path) lets the QR code use its compact alphanumeric mode: a
// smaller, quicker code that phones read more easily.
func slipURL(base, code string) string {
	u, err := url.Parse(base)
	if err != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return base + "/v/" + code
	}
	return strings.ToUpper(strings.TrimRight(base, "/")) + "/V/" + code
}
