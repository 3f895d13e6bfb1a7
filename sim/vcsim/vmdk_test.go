package main

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// decodeStreamOptimized reads a streamOptimized VMDK front to back, as an importer does, and
// returns the disk's bytes. It checks what a reader relies on and fails the test otherwise.
func decodeStreamOptimized(t *testing.T, b []byte) []byte {
	t.Helper()
	le := binary.LittleEndian
	if len(b) < 4*sectorSize || le.Uint32(b) != 0x564d444b {
		t.Fatalf("no KDMV header (%d bytes)", len(b))
	}
	if v, fl := le.Uint32(b[4:]), le.Uint32(b[8:]); v != 3 || fl&flagCompressed == 0 || fl&flagMarkers == 0 {
		t.Fatalf("version %d flags %#x: want 3 with compressed grains and markers", v, fl)
	}
	if le.Uint64(b[56:]) != gdAtEnd || le.Uint16(b[77:]) != 1 {
		t.Fatalf("header gdOffset %#x compress %d: want GD_AT_END and deflate", le.Uint64(b[56:]), le.Uint16(b[77:]))
	}
	capacity := le.Uint64(b[12:])
	disk := make([]byte, capacity*sectorSize)
	// The footer (a header copy holding the grain directory's place) 1024 bytes before the end,
	// its marker before it, the end-of-stream marker (a zero sector) last.
	n := uint64(len(b)) / sectorSize
	footer := b[(n-2)*sectorSize:]
	if le.Uint32(footer) != 0x564d444b || le.Uint64(footer[12:]) != capacity || le.Uint64(footer[56:]) == gdAtEnd {
		t.Fatalf("no footer with the grain directory's place before the end")
	}
	if fm := b[(n-3)*sectorSize:]; le.Uint32(fm[12:]) != markerFooter {
		t.Fatalf("footer marker type %d", le.Uint32(fm[12:]))
	}
	if !bytes.Equal(b[(n-1)*sectorSize:], make([]byte, sectorSize)) {
		t.Fatal("the stream does not end with the end-of-stream marker")
	}
	gdOffset := le.Uint64(footer[56:])
	sec := le.Uint64(b[64:]) // overHead: the first marker
	var gtSeen, gdSeen int
	for sec < n {
		m := b[sec*sectorSize:]
		val, size := le.Uint64(m), le.Uint32(m[8:])
		if size > 0 { // a grain
			r, err := zlib.NewReader(bytes.NewReader(m[12 : 12+size]))
			if err != nil {
				t.Fatalf("grain at sector %d: %v", sec, err)
			}
			g, err := ioutil.ReadAll(r)
			if err != nil || len(g) != grainBytes {
				t.Fatalf("grain at sector %d inflates to %d bytes, %v", sec, len(g), err)
			}
			copy(disk[val*sectorSize:], g)
			sec += (12 + uint64(size) + sectorSize - 1) / sectorSize
			continue
		}
		switch le.Uint32(m[12:]) {
		case markerGT:
			gtSeen++
		case markerGD:
			gdSeen++
			if sec+1 != gdOffset {
				t.Fatalf("grain directory at sector %d, footer says %d", sec+1, gdOffset)
			}
		case markerFooter:
			sec += 2
			continue
		case markerEOS:
			if sec != n-1 {
				t.Fatalf("end-of-stream marker at sector %d of %d", sec, n)
			}
			sec++
			continue
		}
		sec += 1 + val
	}
	if gdSeen != 1 {
		t.Fatalf("%d grain directories", gdSeen)
	}
	// The tables agree with the markers: every grain the directory reaches is where it says.
	for i := uint64(0); i < uint64(gtSeen); i++ {
		gt := le.Uint32(b[(gdOffset*sectorSize)+i*4:])
		for j := uint64(0); j < gtEntries; j++ {
			if at := uint64(le.Uint32(b[uint64(gt)*sectorSize+j*4:])); at != 0 && le.Uint64(b[at*sectorSize:]) != (i*gtEntries+j)*grainSectors {
				t.Fatalf("grain table %d entry %d points at a grain of another LBA", i, j)
			}
		}
	}
	return disk
}

func streamBytes(t *testing.T, raw []byte, capacity int64) []byte {
	s := newVmdkStream(bytes.NewReader(raw), capacity, int64(len(raw)))
	b, err := ioutil.ReadAll(s)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != s.Size() {
		t.Fatalf("read %d bytes, Size says %d", len(b), s.Size())
	}
	return b
}

func randomBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

var vmdkCases = []struct {
	name     string
	raw      int
	capacity int64
}{
	{"empty file", 0, 1 << 20},
	{"one byte", 1, 1 << 20},
	{"not a whole grain", 3<<20 + 17, 4 << 20},
	{"one full grain table", gtEntries * grainBytes, 64 << 20},
	{"a table and one grain", gtEntries*grainBytes + 1, 64 << 20},
	{"capacity not whole grains, file to its end", 1<<20 + 1024, 1<<20 + 1024},
}

func TestVmdkStreamDecodesToTheRawBytes(t *testing.T) {
	for i, c := range vmdkCases {
		t.Run(c.name, func(t *testing.T) {
			raw := randomBytes(c.raw, int64(i))
			disk := decodeStreamOptimized(t, streamBytes(t, raw, c.capacity))
			if int64(len(disk)) != c.capacity {
				t.Fatalf("capacity %d, want %d", len(disk), c.capacity)
			}
			want := append(append([]byte{}, raw...), make([]byte, c.capacity-int64(c.raw))...)
			if !bytes.Equal(disk, want) {
				t.Fatal("the disk read back differs from the raw bytes")
			}
		})
	}
}

func TestVmdkStreamSizeFollowsTheRawFileNotTheCapacity(t *testing.T) {
	// A 64 MiB file on a 8 GiB disk: the stream is the file's grains, not 8 GiB.
	l := newVmdkLayout(8<<30, 64<<20)
	if l.size() < 64<<20 || l.size() > 64<<20*102/100 {
		t.Fatalf("stream of %d bytes for 64 MiB of data", l.size())
	}
}

func TestVmdkStreamRangesMatchTheFullStream(t *testing.T) {
	raw := randomBytes(gtEntries*grainBytes+3*grainBytes+5, 7)
	full := streamBytes(t, raw, 64<<20)
	s := newVmdkStream(bytes.NewReader(raw), 64<<20, int64(len(raw)))
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200; i++ {
		off := rng.Int63n(int64(len(full)))
		n := 1 + rng.Intn(3*grainBytes)
		if _, err := s.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, n)
		k, err := io.ReadFull(s, got)
		if err != nil && err != io.ErrUnexpectedEOF {
			t.Fatal(err)
		}
		if !bytes.Equal(got[:k], full[off:off+int64(k)]) {
			t.Fatalf("bytes at %d..%d differ from the full stream", off, off+int64(k))
		}
	}
}

func TestExportCapacity(t *testing.T) {
	if exportCapacity(1<<20, 3<<20+17) != 3<<20+1024 {
		t.Fatal("a file larger than the capacity: capacity is the file's size rounded up to KiB")
	}
	if exportCapacity(8<<30, 1<<20) != 8<<30 {
		t.Fatal("a smaller file keeps the configured capacity")
	}
}

// qemu-img, a second opinion nobody here wrote: the stream is a streamOptimized VMDK of the
// capacity, consistent, and converts back to the raw bytes.
func TestQemuImgAcceptsTheStream(t *testing.T) {
	qemu, err := exec.LookPath("qemu-img")
	if err != nil {
		t.Fatal("qemu-img not found: install the Debian package qemu-utils (scripts/dev.sh does)")
	}
	dir := t.TempDir()
	for i, c := range vmdkCases {
		raw := randomBytes(c.raw, int64(100+i))
		file := filepath.Join(dir, fmt.Sprintf("d%d.vmdk", i))
		if err := ioutil.WriteFile(file, streamBytes(t, raw, c.capacity), 0600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(qemu, "info", "--output=json", file).Output()
		if err != nil {
			t.Fatalf("%s: qemu-img info: %v", c.name, err)
		}
		var info struct {
			Format      string `json:"format"`
			VirtualSize int64  `json:"virtual-size"`
			Specific    struct {
				Data struct {
					CreateType string `json:"create-type"`
					Extents    []struct {
						Compressed bool `json:"compressed"`
					} `json:"extents"`
				} `json:"data"`
			} `json:"format-specific"`
		}
		if err := json.Unmarshal(out, &info); err != nil {
			t.Fatal(err)
		}
		if info.Format != "vmdk" || info.VirtualSize != c.capacity || info.Specific.Data.CreateType != "streamOptimized" ||
			len(info.Specific.Data.Extents) != 1 || !info.Specific.Data.Extents[0].Compressed {
			t.Fatalf("%s: qemu-img info says %s", c.name, out)
		}
		if out, err := exec.Command(qemu, "check", file).CombinedOutput(); err != nil {
			t.Fatalf("%s: qemu-img check: %v\n%s", c.name, err, out)
		}
		back := filepath.Join(dir, fmt.Sprintf("d%d.raw", i))
		if out, err := exec.Command(qemu, "convert", "-f", "vmdk", "-O", "raw", file, back).CombinedOutput(); err != nil {
			t.Fatalf("%s: qemu-img convert: %v\n%s", c.name, err, out)
		}
		got, _ := ioutil.ReadFile(back)
		want := append(append([]byte{}, raw...), make([]byte, c.capacity-int64(c.raw))...)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: qemu-img reads back other bytes (%d, want %d)", c.name, len(got), len(want))
		}
		_ = os.Remove(back)
	}
}
