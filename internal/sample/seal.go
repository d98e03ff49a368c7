package sample

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/xuri/excelize/v2"
)

// sealPNG draws a small red seal: a ring around a five-pointed star.
func sealPNG() ([]byte, error) {
	const size = 64
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	red := color.NRGBA{R: 0xD0, G: 0x10, B: 0x10, A: 0xFF}
	c := float64(size-1) / 2
	for y := range size {
		for x := range size {
			dx, dy := float64(x)-c, float64(y)-c
			r := math.Hypot(dx, dy)
			if (r <= c && r >= c-4) || inStar(dx, dy, c*0.45) {
				img.Set(x, y, red)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// inStar reports whether (dx, dy) lies in a five-pointed star of outer
// radius r centred on the origin, point up.
func inStar(dx, dy, r float64) bool {
	rho := math.Hypot(dx, dy)
	if rho > r {
		return false
	}
	theta := math.Atan2(dx, -dy) // 0 points up
	sector := 2 * math.Pi / 5
	a := math.Mod(math.Abs(theta), sector)
	if a > sector/2 {
		a = sector - a
	}
	// The star's edge runs from the tip (radius r, angle 0) to the inner
	// vertex (radius 0.38r, angle sector/2); interpolate the radius.
	edge := r - (r-0.38*r)*a/(sector/2)
	return rho <= edge
}

func addSeal(x *excelize.File, sheet, cell string) error {
	img, err := sealPNG()
	if err != nil {
		return err
	}
	return x.AddPictureFromBytes(sheet, cell, &excelize.Picture{
		Extension: ".png",
		File:      img,
		Format:    &excelize.GraphicOptions{AltText: "印章", OffsetX: 4, OffsetY: 2, LockAspectRatio: true, ScaleX: 0.8, ScaleY: 0.8},
	})
}
