package officedoc

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Page and type, after GB/T 9704: A4, margins 37/35/28/26 mm, body in 仿宋 三号 (16 pt)
// on a 28-point line, title in 小标宋 二号 (22 pt). Sizes in WordprocessingML are
// half-points (w:sz) and twentieths of a point (twips).
const (
	bodyFont  = "仿宋"
	titleFont = "宋体"
	bodySz    = 32 // 16 pt
	titleSz   = 44 // 22 pt
	issuerSz  = 52 // 26 pt
	lineTwips = 560
)

// DOCX writes the letter as a .docx that Word, WPS and LibreOffice open.
func DOCX(l Letter) ([]byte, error) {
	var body strings.Builder
	para := func(text string, props string, runProps string) {
		body.WriteString(`<w:p><w:pPr>` + props + `</w:pPr>`)
		if text != "" {
			body.WriteString(`<w:r><w:rPr>` + runProps + `</w:rPr><w:t xml:space="preserve">`)
			xml.EscapeText(&body, []byte(text))
			body.WriteString(`</w:t></w:r>`)
		}
		body.WriteString(`</w:p>`)
	}
	spacing := fmt.Sprintf(`<w:spacing w:line="%d" w:lineRule="exact" w:before="0" w:after="0"/>`, lineTwips)
	font := func(name string) string {
		return fmt.Sprintf(`<w:rFonts w:ascii="%[1]s" w:hAnsi="%[1]s" w:eastAsia="%[1]s" w:cs="%[1]s"/>`, name)
	}
	size := func(sz int) string { return fmt.Sprintf(`<w:sz w:val="%d"/><w:szCs w:val="%d"/>`, sz, sz) }

	para(l.Issuer, `<w:jc w:val="center"/><w:spacing w:before="0" w:after="240"/>`, font(titleFont)+`<w:b/><w:color w:val="E00000"/>`+size(issuerSz))
	para(l.numberLine(), `<w:jc w:val="center"/>`+spacing+
		`<w:pBdr><w:bottom w:val="single" w:sz="18" w:space="8" w:color="E00000"/></w:pBdr>`, font(bodyFont)+size(bodySz))
	para("", spacing, "")
	para(l.Title, `<w:jc w:val="center"/><w:spacing w:line="700" w:lineRule="exact" w:before="240" w:after="240"/>`, font(titleFont)+`<w:b/>`+size(titleSz))
	para(l.Addressee, spacing, font(bodyFont)+size(bodySz))
	for _, p := range l.Paragraphs {
		para(p, spacing+`<w:ind w:firstLineChars="200" w:firstLine="640"/><w:jc w:val="both"/>`, font(bodyFont)+size(bodySz))
	}
	para("", spacing, "")
	para(l.Signature, spacing+`<w:jc w:val="right"/><w:ind w:right="1280"/>`, font(bodyFont)+size(bodySz))
	para(l.dateLine(), spacing+`<w:jc w:val="right"/><w:ind w:right="1280"/>`, font(bodyFont)+size(bodySz))

	document := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<w:body>` + body.String() + `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>
</w:body></w:document>`

	var title bytes.Buffer
	xml.EscapeText(&title, []byte(l.Title))
	files := []struct{ name, content string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>`},
		{"word/_rels/document.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>`},
		{"word/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="` + bodyFont + `" w:hAnsi="` + bodyFont + `" w:eastAsia="` + bodyFont + `" w:cs="` + bodyFont + `"/>
<w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="560" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
</w:styles>`},
		{"docProps/core.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>` + title.String() + `</dc:title><dc:creator>评议</dc:creator>
<dcterms:created xsi:type="dcterms:W3CDTF">` + time.Now().UTC().Format("2006-01-02T15:04:05Z") + `</dcterms:created>
</cp:coreProperties>`},
		{"word/document.xml", document},
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			return nil, fmt.Errorf("officedoc: docx: %w", err)
		}
		if _, err := w.Write([]byte(f.content)); err != nil {
			return nil, fmt.Errorf("officedoc: docx: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("officedoc: docx: %w", err)
	}
	return out.Bytes(), nil
}

// DOCXText reads the text back out of a .docx's document part, one line a paragraph.
// Tests and checks use it to see that a file is a well-formed package with the words in it.
func DOCXText(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", fmt.Errorf("officedoc: read docx: %w", err)
	}
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", err
		}
		defer rc.Close()
		dec := xml.NewDecoder(rc)
		var b strings.Builder
		inText := false
		for {
			tok, err := dec.Token()
			if err != nil {
				if err == io.EOF {
					return b.String(), nil
				}
				return "", fmt.Errorf("officedoc: read docx: %w", err)
			}
			switch t := tok.(type) {
			case xml.StartElement:
				inText = t.Name.Local == "t"
			case xml.EndElement:
				if t.Name.Local == "p" {
					b.WriteString("\n")
				}
				inText = false
			case xml.CharData:
				if inText {
					b.Write(t)
				}
			}
		}
	}
	return "", fmt.Errorf("officedoc: read docx: no word/document.xml")
}
