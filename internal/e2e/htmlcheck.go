package e2e

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// The HTML-validity check runs the Nu Html Checker (vnu.jar, the engine of the W3C
// validator) offline over every HTML page the server sent during a browser test, as
// served. .ci/ensure-deps fetches vnu.jar from npm (package vnu-jar) into the user's
// cache; it needs a Java runtime.
const vnuVersion = "26.9.27"

// ErrNoVNU is returned when vnu.jar or Java is missing.
var ErrNoVNU = errors.New("未找到 HTML 检查器 vnu.jar 或 Java:请运行 `.ci/ensure-deps test`(root 下 `make test` 会自动准备)")

// vnuJar finds vnu.jar: $PINGYI_VNU_JAR, or where .ci/ensure-deps puts it.
func vnuJar() (string, error) {
	if p := os.Getenv("PINGYI_VNU_JAR"); p != "" {
		return p, nil
	}
	if _, err := exec.LookPath("java"); err != nil {
		return "", ErrNoVNU
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", ErrNoVNU
	}
	p := filepath.Join(dir, "pingyi", "vnu-jar-"+vnuVersion, "vnu.jar")
	if _, err := os.Stat(p); err != nil {
		return "", ErrNoVNU
	}
	return p, nil
}

// htmlExemption is a validity error tolerated on some pages, with the reason.
type htmlExemption struct {
	path    *regexp.Regexp // request path
	message string         // part of the checker's message
	why     string
}

// htmlExemptions: none today. An entry names one error someone has taken on, by page and
// message, and who fixes it.
var htmlExemptions = []htmlExemption{}

// HTMLRecorder keeps every distinct HTML page the server sends, for the checker.
type HTMLRecorder struct {
	mu    sync.Mutex
	dir   string
	seen  map[[32]byte]bool
	pages map[string]string // file name -> "METHOD /path"
	n     int
}

// NewHTMLRecorder records into dir.
func NewHTMLRecorder(dir string) *HTMLRecorder {
	return &HTMLRecorder{dir: dir, seen: map[[32]byte]bool{}, pages: map[string]string{}}
}

// Pages is how many distinct pages were recorded.
func (h *HTMLRecorder) Pages() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.pages)
}

// Wrap passes requests to next and keeps a copy of each HTML response body.
func (h *HTMLRecorder) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &recordingWriter{ResponseWriter: w}
		next.ServeHTTP(rw, r)
		// A redirect's little body is never shown by a browser: only pages are checked.
		if rw.status/100 == 3 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || rw.buf.Len() == 0 {
			return
		}
		body, err := decode(w.Header().Get("Content-Encoding"), rw.buf.Bytes())
		if err != nil {
			body = []byte("<!-- undecodable body: " + err.Error() + " -->")
		}
		h.add(r.Method+" "+r.URL.Path, body)
	})
}

func (h *HTMLRecorder) add(what string, body []byte) {
	sum := sha256.Sum256(body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen[sum] {
		return
	}
	h.seen[sum] = true
	h.n++
	name := fmt.Sprintf("%04d%s.html", h.n, safeName.ReplaceAllString(what, "_"))
	if len(name) > 120 {
		name = name[:115] + ".html"
	}
	if err := os.WriteFile(filepath.Join(h.dir, name), body, 0o644); err == nil {
		h.pages[name] = what
	}
}

var safeName = regexp.MustCompile(`[^A-Za-z0-9]+`)

func decode(encoding string, b []byte) ([]byte, error) {
	switch encoding {
	case "":
		return b, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "br":
		return io.ReadAll(brotli.NewReader(bytes.NewReader(b)))
	}
	return nil, fmt.Errorf("unknown Content-Encoding %q", encoding)
}

type recordingWriter struct {
	http.ResponseWriter
	buf    bytes.Buffer
	status int
}

func (w *recordingWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	return w.ResponseWriter.Write(p)
}

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Check runs vnu.jar over the recorded pages and returns each error not exempted, as
// "METHOD /path: line N: message".
func (h *HTMLRecorder) Check() ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.pages) == 0 {
		return nil, nil
	}
	jar, err := vnuJar()
	if err != nil {
		return nil, err
	}
	var files []string
	for name := range h.pages {
		files = append(files, filepath.Join(h.dir, name))
	}
	sort.Strings(files)
	args := append([]string{"-Xss4m", "-jar", jar, "--errors-only", "--format", "json", "--stdout", "--exit-zero-always"}, files...)
	out, err := exec.Command("java", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("vnu.jar: %w", err)
	}
	var res struct {
		Messages []struct {
			Type     string `json:"type"`
			SubType  string `json:"subType"`
			URL      string `json:"url"`
			LastLine int    `json:"lastLine"`
			Message  string `json:"message"`
			Extract  string `json:"extract"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("vnu.jar output: %w", err)
	}
	var problems []string
	for _, m := range res.Messages {
		if m.Type != "error" && !(m.Type == "non-document-error") {
			continue
		}
		what := h.pages[filepath.Base(strings.TrimPrefix(m.URL, "file:"))]
		path := what[strings.Index(what, " ")+1:]
		if htmlExempt(path, m.Message) {
			continue
		}
		problems = append(problems, fmt.Sprintf("%s: line %d: %s (…%s…)", what, m.LastLine, m.Message, strings.TrimSpace(m.Extract)))
	}
	sort.Strings(problems)
	return problems, nil
}

func htmlExempt(path, msg string) bool {
	for _, e := range htmlExemptions {
		if e.path.MatchString(path) && strings.Contains(msg, e.message) {
			return true
		}
	}
	return false
}
