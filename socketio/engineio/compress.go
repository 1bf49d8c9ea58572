package engineio

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// negotiateEncoding picks "gzip" or "deflate" from an Accept-Encoding header by quality (gzip
// first on a tie, as Node's "accepts" does), or "" for none.
func negotiateEncoding(header string) string {
	if header == "" {
		return ""
	}
	qGzip, qDeflate, qAny := -1.0, -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					f = 0
				}
				q = f
			}
		}
		switch name {
		case "gzip", "x-gzip":
			qGzip = max(qGzip, q)
		case "deflate":
			qDeflate = max(qDeflate, q)
		case "*":
			qAny = max(qAny, q)
		}
	}
	if qGzip < 0 {
		qGzip = qAny
	}
	if qDeflate < 0 {
		qDeflate = qAny
	}
	switch {
	case qGzip > 0 && qGzip >= qDeflate:
		return "gzip"
	case qDeflate > 0:
		return "deflate"
	}
	return ""
}

// compressor is a pooled gzip or zlib writer.
type compressor interface {
	io.WriteCloser
	Reset(io.Writer)
}

// compressors pools writers by encoding and level (flate.HuffmanOnly..flate.BestCompression):
// a flate writer costs hundreds of KiB to create.
var compressors [2][flate.BestCompression - flate.HuffmanOnly + 1]sync.Pool

func compressBody(enc string, level int, body []byte) ([]byte, error) {
	kind := 0
	if enc == "deflate" {
		kind = 1
	}
	pool := &compressors[kind][level-flate.HuffmanOnly]
	var buf bytes.Buffer
	buf.Grow(len(body)/2 + 64)
	z, _ := pool.Get().(compressor)
	if z == nil {
		var err error
		if kind == 0 {
			z, err = gzip.NewWriterLevel(&buf, level)
		} else {
			z, err = zlib.NewWriterLevel(&buf, level)
		}
		if err != nil {
			return nil, fmt.Errorf("engineio: compress: %w", err)
		}
	} else {
		z.Reset(&buf)
	}
	_, err := z.Write(body)
	if err == nil {
		err = z.Close()
	}
	z.Reset(io.Discard)
	pool.Put(z)
	if err != nil {
		return nil, fmt.Errorf("engineio: compress: %w", err)
	}
	return buf.Bytes(), nil
}
