package compress

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestNegotiate(t *testing.T) {
	for header, want := range map[string]string{
		"":                           "",
		"gzip":                       Gzip,
		"gzip, deflate, br":          Brotli,
		"gzip, deflate, br, zstd":    Brotli,
		"br;q=0.5, gzip":             Gzip,
		"br;q=0, gzip;q=0":           "",
		"identity":                   "",
		"*":                          Brotli,
		"*;q=0.5, gzip;q=0.8":        Gzip,
		"GZIP ; Q=1":                 Gzip,
		"deflate":                    "",
		"gzip;q=0, *":                Brotli,
		"x-gzip, gzip;q=0.001, br;q": Brotli, // a bad q is taken as 1
	} {
		if got := Negotiate(header); got != want {
			t.Errorf("Negotiate(%q) = %q, want %q", header, got, want)
		}
	}
}

func serve(h http.Handler, method, acceptEncoding string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decode(t *testing.T, enc string, b []byte) string {
	t.Helper()
	var r io.Reader
	switch enc {
	case Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case Brotli:
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		return string(b)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestHandler(t *testing.T) {
	page := "<!DOCTYPE html><p>" + strings.Repeat("一述双评 述职评议 ", 400) + "</p>"
	html := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", "999")
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, page[:100]) // in pieces, as a template might
		io.WriteString(w, page[100:])
	}))
	for _, enc := range []string{Brotli, Gzip, ""} {
		accept := enc
		if enc == "" {
			accept = "br;q=0, gzip;q=0"
		}
		rec := serve(html, http.MethodGet, accept)
		if rec.Code != http.StatusUnprocessableEntity || rec.Header().Get("Content-Encoding") != enc || rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%q: %d %q vary %q", accept, rec.Code, rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
		}
		if got := decode(t, enc, rec.Body.Bytes()); got != page {
			t.Fatalf("%q: body changed (%d bytes)", accept, len(got))
		}
		if enc != "" && (rec.Body.Len() > len(page)/5 || rec.Header().Get("Content-Length") != "") {
			t.Fatalf("%q: %d of %d bytes, Content-Length %q", accept, rec.Body.Len(), len(page), rec.Header().Get("Content-Length"))
		}
	}
	// HEAD: headers only, nothing compressed.
	if rec := serve(html, http.MethodHead, "gzip"); rec.Header().Get("Content-Encoding") != "" {
		t.Fatal("HEAD should not be compressed")
	}
	// A small body, a type that is compressed already, a body already encoded, 304.
	for name, h := range map[string]http.HandlerFunc{
		"small": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<p>ok</p>")
		},
		"png": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write(bytes.Repeat([]byte{1}, 4096))
		},
		"encoded": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css")
			w.Header().Set("Content-Encoding", "br")
			w.Write(bytes.Repeat([]byte{2}, 4096))
		},
		"not modified": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css")
			w.WriteHeader(http.StatusNotModified)
		},
	} {
		rec := serve(Handler(h), http.MethodGet, "gzip, br")
		want := ""
		if name == "encoded" {
			want = "br"
		}
		if got := rec.Header().Get("Content-Encoding"); got != want {
			t.Errorf("%s: Content-Encoding %q, want %q", name, got, want)
		}
		if name == "encoded" && rec.Body.Len() != 4096 {
			t.Errorf("encoded body touched: %d", rec.Body.Len())
		}
	}
	// JSON is compressed too.
	js := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "["+strings.Repeat(`{"cast":12,"issued":40},`, 60)+"{}]")
	}))
	if rec := serve(js, http.MethodGet, "gzip"); rec.Header().Get("Content-Encoding") != Gzip {
		t.Fatal("JSON should be compressed")
	}
}

// TestHandlerAfterPanic: a handler that panics before writing leaves the response to
// the recovering middleware around it.
func TestHandlerAfterPanic(t *testing.T) {
	recoverer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if recover() != nil {
					http.Error(w, "服务器错误", http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
	h := recoverer(Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })))
	rec := serve(h, http.MethodGet, "gzip")
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "服务器错误") {
		t.Fatalf("after a panic: %d %q", rec.Code, rec.Body.String())
	}
}

func BenchmarkHandlerBallotPage(b *testing.B) {
	page := []byte("<!DOCTYPE html>" + strings.Repeat(`<fieldset class="subj"><legend>王德顺 <small>村党支部书记</small></legend><div class="opts"><label><input type="radio" name="s12" value="1" required>优秀</label></div></fieldset>`, 30))
	for _, enc := range []string{Brotli, Gzip} {
		b.Run(enc, func(b *testing.B) {
			h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write(page)
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Accept-Encoding", enc)
			var size int
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/page")
			b.ReportMetric(float64(len(page)), "raw-bytes/page")
		})
	}
}
