// Package officedoc writes a formal document (公文) — issuer, 文号, title, addressee,
// body, signature and date, laid out after GB/T 9704 — as a Word file (.docx, a minimal
// WordprocessingML package written with archive/zip and encoding/xml) and as a PDF with
// an embedded Chinese TrueType font (github.com/signintech/gopdf).
package officedoc

// Letter is one formal document.
type Letter struct {
	Issuer     string   // 发文机关标志, printed red at the top, e.g. 中共小漩乡委员会
	Number     string   // 文号, e.g. 小漩组〔2025〕3号; "" for a draft
	Title      string   // 标题
	Addressee  string   // 主送, e.g. 王建国同志:
	Paragraphs []string // 正文, one entry a paragraph
	Signature  string   // 落款
	Date       string   // 成文日期, e.g. 2025年3月5日; "" leaves blanks to fill in by hand
	Draft      bool     // marked 草稿 (no number yet)
}

// numberLine is what stands under the issuer: the 文号, or a draft mark.
func (l Letter) numberLine() string {
	if l.Draft || l.Number == "" {
		return "(草稿 · 签发时编号)"
	}
	return l.Number
}

func (l Letter) dateLine() string {
	if l.Date == "" {
		return "    年  月  日"
	}
	return l.Date
}
