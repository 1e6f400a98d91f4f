package officedoc_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"pingyi/internal/officedoc"
)

var letter = officedoc.Letter{
	Issuer:    "中共小漩乡委员会",
	Number:    "小漩组〔2025〕3号",
	Title:     "关于对小漩村党支部负责人刘志强同志实行诫勉的决定",
	Addressee: "刘志强同志:",
	Paragraphs: []string{
		"在2025 年度述职评议中,你单位的加权满意率为 62.40%,不满意率为 21.35%,系连续第 2 次被评定为诫勉谈话。",
		"根据“一述双评三争创”活动关于“连续两次诫勉谈话,下发诫勉文件”的规定,经乡党委研究,决定对你实行诫勉。<&>",
	},
	Signature: "中共小漩乡委员会",
	Date:      "2025年3月5日",
}

// need fails in CI (no test may skip there) and skips elsewhere when a tool is missing.
func need(t *testing.T, tool, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" || os.Getenv("PINGYI_NO_SKIP") == "1" {
		t.Fatalf("%s not installed: apt-get install -y %s", tool, pkg)
	}
	t.Skipf("%s not installed: apt-get install -y %s", tool, pkg)
	return ""
}

func TestDOCXReadsBack(t *testing.T) {
	b, err := officedoc.DOCX(letter)
	if err != nil {
		t.Fatal(err)
	}
	text, err := officedoc.DOCXText(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{letter.Issuer, letter.Number, letter.Title, letter.Addressee, letter.Paragraphs[1], letter.Date} {
		if !strings.Contains(text, want) {
			t.Errorf("docx text lacks %q:\n%s", want, text)
		}
	}
	draft := letter
	draft.Draft, draft.Date = true, ""
	b, err = officedoc.DOCX(draft)
	if err != nil {
		t.Fatal(err)
	}
	if text, err := officedoc.DOCXText(b); err != nil {
		t.Fatal(err)
	} else if strings.Contains(text, letter.Number) || !strings.Contains(text, "草稿") {
		t.Errorf("a draft carries no number:\n%s", text)
	}
}

// TestDOCXOpensInLibreOffice converts the file with LibreOffice, as Word or WPS would
// open it, and reads the text of the resulting PDF.
func TestDOCXOpensInLibreOffice(t *testing.T) {
	soffice := need(t, "soffice", "libreoffice-writer-nogui")
	pdftotext := need(t, "pdftotext", "poppler-utils")
	dir := t.TempDir()
	b, err := officedoc.DOCX(letter)
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "doc.docx")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "pdf", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	out, err := exec.Command(pdftotext, "-layout", filepath.Join(dir, "doc.pdf"), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"中共小漩乡委员会", "小漩组〔2025〕3号", "实行诫勉的决定", "刘志强同志"} {
		if !strings.Contains(text, want) {
			t.Errorf("LibreOffice's PDF lacks %q:\n%s", want, out)
		}
	}
}

func TestPDFHasChineseText(t *testing.T) {
	font, err := officedoc.Font(os.Getenv("PINGYI_CJK_FONT"))
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("PINGYI_NO_SKIP") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	long := letter
	for i := 0; i < 12; i++ { // enough for a second page
		long.Paragraphs = append(long.Paragraphs, long.Paragraphs[0])
	}
	b, err := officedoc.PDF(long, font)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("FontFile2")) {
		t.Fatal("not a PDF with an embedded TrueType font")
	}
	pdftotext := need(t, "pdftotext", "poppler-utils")
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"中共小漩乡委员会", "小漩组〔2025〕3号", "刘志强同志:", "<&>", "—2—"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, out)
		}
	}
}

func TestFirstFaceOfCollection(t *testing.T) {
	// A collection of one face holding one 4-byte table.
	ttc := []byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10" +
		"\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00" + // offset table: 1 table
		"abcd\x00\x00\x00\x00\x00\x00\x00\x2c\x00\x00\x00\x04" + // record: tag, sum, offset 44, length 4
		"DATA")
	face, err := officedoc.FirstFace(ttc)
	if err != nil {
		t.Fatal(err)
	}
	if len(face) != 12+16+4 || string(face[28:32]) != "DATA" || face[12+11] != 28 {
		t.Fatalf("face % x", face)
	}
	if _, err := officedoc.FirstFace([]byte("ttcf\x00\x01")); err == nil {
		t.Fatal("a truncated collection must be refused")
	}
}

func BenchmarkDOCX(b *testing.B) {
	for b.Loop() {
		if _, err := officedoc.DOCX(letter); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPDF is one admonishment document as PDF, with the font subset and embedded
// (the font file is read once per process).
func BenchmarkPDF(b *testing.B) {
	font, err := officedoc.Font("")
	if err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, err := officedoc.PDF(letter, font); err != nil {
			b.Fatal(err)
		}
	}
}
