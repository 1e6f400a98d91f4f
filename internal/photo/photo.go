// Package photo turns an uploaded photo into the two JPEG copies pages show: one for
// reading (at most WebSize pixels on its long side) and a thumbnail (at most ThumbSize).
// The copies are upright (the camera's EXIF orientation is applied) and carry no
// metadata, so a phone photo's location never reaches a public page.
package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // PNG uploads
	"math"

	"golang.org/x/image/draw"
)

// Sizes of the copies, in pixels on the long side.
const (
	WebSize   = 1280
	ThumbSize = 360
)

// MaxPixels bounds the decoded size of an upload (a 10 MB file can claim a huge canvas).
const MaxPixels = 50_000_000

// ErrTooLarge means the image claims more than MaxPixels pixels.
var ErrTooLarge = errors.New("photo: image too large")

// ErrUnreadable means the data is not a JPEG or PNG image that decodes.
var ErrUnreadable = errors.New("photo: unreadable image")

// Copies are the re-encoded JPEGs with their sizes.
type Copies struct {
	Web, Thumb                 []byte
	WebW, WebH, ThumbW, ThumbH int
}

// Prepare decodes a JPEG or PNG photo and makes its copies.
func Prepare(data []byte) (Copies, error) {
	var c Copies
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return c, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return c, ErrUnreadable
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return c, ErrTooLarge
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return c, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	orient := Orientation(data)
	web := orientImage(scale(src, WebSize), orient)
	thumb := scale(web, ThumbSize)
	if c.Web, err = encode(web, 78); err != nil {
		return c, err
	}
	if c.Thumb, err = encode(thumb, 72); err != nil {
		return c, err
	}
	c.WebW, c.WebH = web.Bounds().Dx(), web.Bounds().Dy()
	c.ThumbW, c.ThumbH = thumb.Bounds().Dx(), thumb.Bounds().Dy()
	return c, nil
}

// scale fits src within long×long on a white background (for transparent PNGs); an
// image already small enough keeps its size.
func scale(src image.Image, long int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > long || h > long {
		f := float64(long) / float64(max(w, h))
		w, h = max(1, int(math.Round(float64(w)*f))), max(1, int(math.Round(float64(h)*f)))
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Over)
		return dst
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	return dst
}

func encode(img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("photo: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// orientImage applies an EXIF orientation (1–8) so the image shows upright.
func orientImage(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = w-1-x, y
			case 3: // upside down
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored upside down
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // turned 90° anticlockwise: turn it clockwise
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // turned 90° clockwise: turn it anticlockwise
				sx, sy = w-1-y, x
			}
			i, j := dst.PixOffset(x, y), src.PixOffset(sx, sy)
			copy(dst.Pix[i:i+4], src.Pix[j:j+4])
		}
	}
	return dst
}

// Orientation reads the EXIF orientation tag (0x0112) of a JPEG; 1 (upright) when there
// is none or the data is not a JPEG with EXIF.
func Orientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	p := 2
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return 1
		}
		marker := data[p+1]
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 || marker == 0xFF {
			p++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data starts: no EXIF before it
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return 1
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		p += 2 + n
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	count := int(bo.Uint16(t[ifd:]))
	for i := 0; i < count; i++ {
		e := ifd + 2 + i*12
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 {
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}
