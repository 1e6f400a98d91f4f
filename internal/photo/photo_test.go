package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// corners is a w×h image, grey with a red top-left and a blue bottom-right quarter.
func corners(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{128, 128, 128, 255}
			switch {
			case x < w/4 && y < h/4:
				c = color.RGBA{220, 0, 0, 255}
			case x >= w*3/4 && y >= h*3/4:
				c = color.RGBA{0, 0, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func jpegOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withOrientation inserts an EXIF APP1 segment carrying orientation o after the SOI.
func withOrientation(data []byte, o uint16, order binary.ByteOrder) []byte {
	tiff := make([]byte, 8+2+12+4)
	if order == binary.LittleEndian {
		copy(tiff, "II*\x00")
	} else {
		copy(tiff, "MM\x00*")
	}
	order.PutUint32(tiff[4:], 8)
	order.PutUint16(tiff[8:], 1)
	order.PutUint16(tiff[10:], 0x0112)
	order.PutUint16(tiff[12:], 3)
	order.PutUint32(tiff[14:], 1)
	order.PutUint16(tiff[18:], o)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	out := append([]byte{0xFF, 0xD8}, app1...)
	out = append(out, seg...)
	return append(out, data[2:]...)
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func isRed(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r > 0xa000 && g < 0x5000 && b < 0x5000
}

func TestPrepareScalesAndKeepsSmallOnes(t *testing.T) {
	c, err := Prepare(jpegOf(t, corners(3000, 2000)))
	if err != nil {
		t.Fatal(err)
	}
	if c.WebW != 1280 || c.WebH != 853 || c.ThumbW != 360 || c.ThumbH != 240 {
		t.Fatalf("sizes web %dx%d thumb %dx%d", c.WebW, c.WebH, c.ThumbW, c.ThumbH)
	}
	if img := decode(t, c.Web); img.Bounds().Dx() != 1280 || !isRed(img.At(10, 10)) {
		t.Fatalf("web copy %v", img.Bounds())
	}
	if len(c.Thumb) > 30_000 {
		t.Errorf("thumbnail is %d bytes, want it small", len(c.Thumb))
	}
	small, err := Prepare(jpegOf(t, corners(300, 200)))
	if err != nil || small.WebW != 300 || small.ThumbW != 300 {
		t.Fatalf("a small photo keeps its size: %+v %v", small.WebW, err)
	}
}

func TestPrepareTurnsPhotosUpright(t *testing.T) {
	src := jpegOf(t, corners(400, 200))
	cases := []struct {
		o      uint16
		order  binary.ByteOrder
		w, h   int
		redX   int // where the red corner lands (top row)
		redTop bool
	}{
		{1, binary.BigEndian, 400, 200, 10, true},
		{3, binary.LittleEndian, 400, 200, 390, false},
		{6, binary.BigEndian, 200, 400, 190, true}, // turned clockwise: top-left goes top-right
		{8, binary.LittleEndian, 200, 400, 10, false},
		{2, binary.BigEndian, 400, 200, 390, true},
	}
	for _, c := range cases {
		data := withOrientation(src, c.o, c.order)
		if got := Orientation(data); got != int(c.o) {
			t.Fatalf("Orientation = %d, want %d", got, c.o)
		}
		p, err := Prepare(data)
		if err != nil {
			t.Fatal(err)
		}
		img := decode(t, p.Web)
		if img.Bounds().Dx() != c.w || img.Bounds().Dy() != c.h {
			t.Fatalf("orientation %d: %v, want %dx%d", c.o, img.Bounds(), c.w, c.h)
		}
		y := 5
		if !c.redTop {
			y = c.h - 5
		}
		if !isRed(img.At(c.redX, y)) {
			t.Errorf("orientation %d: red corner not at (%d,%d)", c.o, c.redX, y)
		}
		if bytes.Contains(p.Web, []byte("Exif")) {
			t.Errorf("orientation %d: the copy keeps EXIF", c.o)
		}
	}
	if Orientation([]byte("not a jpeg")) != 1 || Orientation(src) != 1 {
		t.Fatal("no EXIF: upright")
	}
}

func TestPrepareFlattensTransparencyOnWhite(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 50, 50)) // fully transparent
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	r, g, bl, _ := decode(t, p.Thumb).At(25, 25).RGBA()
	if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
		t.Fatalf("transparent PNG became %x %x %x, want white", r, g, bl)
	}
}

func TestPrepareRefusesBadAndHugeImages(t *testing.T) {
	if _, err := Prepare([]byte("%PDF-1.4 not an image")); !errors.Is(err, ErrUnreadable) {
		t.Fatalf("garbage: %v", err)
	}
	// A PNG whose header claims 20000×20000 pixels.
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	ihdr := data[8+8 : 8+8+13]
	binary.BigEndian.PutUint32(ihdr[0:], 20000)
	binary.BigEndian.PutUint32(ihdr[4:], 20000)
	binary.BigEndian.PutUint32(data[8+8+13:], crc32.ChecksumIEEE(data[8+4:8+8+13]))
	if _, err := Prepare(data); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("pixel bomb: %v", err)
	}
}

// BenchmarkPrepare12MP is one 4000×3000 phone photo made into its two copies.
func BenchmarkPrepare12MP(b *testing.B) {
	data := jpegOf(b, corners(4000, 3000))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Prepare(data); err != nil {
			b.Fatal(err)
		}
	}
}
