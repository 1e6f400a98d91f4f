package web

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"path/filepath"
	"strings"

	"pingyi/internal/store"
)

// readFile reads one uploaded file of at most limit bytes and checks by its first bytes
// that it is a PDF, Word (.doc / .docx), JPEG or PNG file. what names the file in the
// messages (附件, 台账文件, 「照片.jpg」); the message is empty when the file will do.
func readFile(hdr *multipart.FileHeader, limit int64, what string) (store.Upload, string) {
	f, err := hdr.Open()
	if err != nil {
		return store.Upload{}, what + "读取失败,请重试"
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	switch {
	case err != nil:
		return store.Upload{}, what + "读取失败,请重试"
	case len(data) == 0:
		return store.Upload{}, what + "是空文件"
	case int64(len(data)) > limit:
		return store.Upload{}, fmt.Sprintf("%s不能超过 %d MB", what, limit>>20)
	}
	name := filepath.Base(hdr.Filename)
	ct, ok := sniffUpload(name, data)
	if !ok {
		return store.Upload{}, what + "须为 PDF、Word(.doc / .docx)、JPEG 或 PNG 文件(按文件内容检查)"
	}
	return store.Upload{Name: name, ContentType: ct, Data: data}, ""
}

// sniffUpload names a file's type from its first bytes, not from its name (a Word file's
// extension only tells .doc from .docx).
func sniffUpload(name string, data []byte) (string, bool) {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf", true
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", true
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", true
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) && ext == ".doc":
		return "application/msword", true
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) && ext == ".docx" && bytes.Contains(data, []byte("word/")):
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", true
	}
	return "", false
}
