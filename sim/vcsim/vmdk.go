package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"os"
)

// A disk file on a simulated datastore holds the disk's raw bytes (tests write payloads into it,
// benches fill or grow it). ExportVm serves it as vSphere does: a streamOptimized VMDK (VMware's
// "Virtual Disk Format 5.0": sparse header "KDMV" with the compressed-grains and markers flags,
// grains as deflate (zlib) streams behind grain markers, a grain table after each 512 grains,
// the grain directory, a footer and the end-of-stream marker).
//
// The raw file's length is the allocated part of the disk (a thin disk's written extent): the
// grains up to its end are written, zeros included, those past it are left out (grain table or
// directory entry 0, read as zeros), as ESXi leaves out a thin disk's unallocated grains. The
// grains are deflate *stored* blocks (RFC 1951 BTYPE 00, inside zlib framing). The stream then
// has a fixed layout that follows from the capacity and the file's length alone, so it is made on
// the fly for any byte range (Range requests and resumed downloads work, no cache, memory bounded
// by one grain), and it stays about as long as the raw file (+0.8%), so the export tests, fault
// tests and benches keep moving the bytes they moved before, incompressible or not. Any VMDK
// reader inflates it (qemu-img checks it in the tests). What a real ESXi adds — compression, zero
// grains left out — changes sizes, not the format.

const (
	sectorSize   = 512
	grainSectors = 128 // 64 KiB grains, as VMware writes them
	grainBytes   = grainSectors * sectorSize
	gtEntries    = 512
	gtSectors    = gtEntries * 4 / sectorSize
	overheadSecs = 128 // header + embedded descriptor; the first grain starts at 64 KiB
	gdAtEnd      = ^uint64(0)

	flagNewLineTest = 1 << 0
	flagCompressed  = 1 << 16
	flagMarkers     = 1 << 17

	markerEOS    = 0
	markerGT     = 1
	markerGD     = 2
	markerFooter = 3

	// zlib stream of one grain: 2-byte header, two stored blocks of half a grain (a stored
	// block holds at most 65535 bytes), Adler-32.
	storedHalf  = grainBytes / 2
	zlibLen     = 2 + 2*(5+storedHalf) + 4
	grainRecord = (12 + zlibLen + sectorSize - 1) / sectorSize // sectors per grain: marker + data, padded
)

// vmdkLayout is where everything lies in the stream of a disk of capacity sectors.
type vmdkLayout struct {
	capacity uint64 // sectors
	grains   uint64 // in the capacity
	written  uint64 // grains in the stream: those the raw file reaches into
	tables   uint64 // grain tables in the stream: those of the written grains
	gdStart  uint64 // sector of the grain directory's marker
	gdSecs   uint64
	total    uint64 // sectors in the stream
}

func newVmdkLayout(capacityBytes, dataBytes int64) vmdkLayout {
	capacity := uint64(capacityBytes+sectorSize-1) / sectorSize
	if dataBytes > capacityBytes {
		dataBytes = capacityBytes
	}
	l := vmdkLayout{capacity: capacity}
	l.grains = (capacity + grainSectors - 1) / grainSectors
	l.written = (uint64(dataBytes) + grainBytes - 1) / grainBytes
	l.tables = (l.written + gtEntries - 1) / gtEntries
	l.gdStart = overheadSecs + l.written*grainRecord + l.tables*(1+gtSectors)
	l.gdSecs = ((l.grains+gtEntries-1)/gtEntries*4 + sectorSize - 1) / sectorSize
	l.total = l.gdStart + 1 + l.gdSecs + 3 // + footer marker, footer, end-of-stream marker
	return l
}

func (l vmdkLayout) size() int64 { return int64(l.total * sectorSize) }

// grainSector is the sector of grain g's marker: the grains of earlier tables each have their
// table (marker + entries) after them.
func (l vmdkLayout) grainSector(g uint64) uint64 {
	return overheadSecs + g*grainRecord + (g/gtEntries)*(1+gtSectors)
}

// tableSector is the sector of grain table t's marker, right after its last grain.
func (l vmdkLayout) tableSector(t uint64) uint64 {
	end := (t + 1) * gtEntries
	if end > l.written {
		end = l.written
	}
	return overheadSecs + end*grainRecord + t*(1+gtSectors)
}

// header is the sparse extent header (and, with the grain directory's place, the footer).
func (l vmdkLayout) header(footer bool) []byte {
	b := make([]byte, sectorSize)
	binary.LittleEndian.PutUint32(b[0:], 0x564d444b) // "KDMV"
	binary.LittleEndian.PutUint32(b[4:], 3)          // version 3: streamOptimized
	binary.LittleEndian.PutUint32(b[8:], flagNewLineTest|flagCompressed|flagMarkers)
	binary.LittleEndian.PutUint64(b[12:], l.capacity)
	binary.LittleEndian.PutUint64(b[20:], grainSectors)
	binary.LittleEndian.PutUint64(b[28:], 1) // descriptor at sector 1
	binary.LittleEndian.PutUint64(b[36:], overheadSecs-1)
	binary.LittleEndian.PutUint32(b[44:], gtEntries)
	binary.LittleEndian.PutUint64(b[48:], 0) // no redundant grain directory
	gd := gdAtEnd
	if footer {
		gd = l.gdStart + 1
	}
	binary.LittleEndian.PutUint64(b[56:], gd)
	binary.LittleEndian.PutUint64(b[64:], overheadSecs)
	b[72] = 0 // clean
	copy(b[73:], "\n \r\n")
	binary.LittleEndian.PutUint16(b[77:], 1) // deflate
	return b
}

// descriptor is the embedded text descriptor, as VMware writes it into a streamOptimized disk.
func (l vmdkLayout) descriptor() []byte {
	cylinders := l.capacity / (255 * 63)
	if cylinders > 65535 {
		cylinders = 65535
	}
	text := fmt.Sprintf("# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"streamOptimized\"\n\n"+
		"# Extent description\nRW %d SPARSE \"disk.vmdk\"\n\n# The Disk Data Base\n#DDB\n\n"+
		"ddb.adapterType = \"lsilogic\"\nddb.geometry.cylinders = \"%d\"\nddb.geometry.heads = \"255\"\n"+
		"ddb.geometry.sectors = \"63\"\nddb.virtualHWVersion = \"4\"\n", l.capacity, cylinders)
	b := make([]byte, (overheadSecs-1)*sectorSize)
	copy(b, text)
	return b
}

func marker(val uint64, kind uint32) []byte {
	b := make([]byte, sectorSize)
	binary.LittleEndian.PutUint64(b[0:], val)
	binary.LittleEndian.PutUint32(b[12:], kind)
	return b
}

// vmdkStream is the VMDK of one raw disk file as an io.ReadSeeker (for http.ServeContent and
// the hashers). It keeps one piece (a grain record at most) in memory.
type vmdkStream struct {
	l     vmdkLayout
	raw   io.ReaderAt
	pos   int64
	piece []byte // the piece of the stream being read
	at    int64  // where piece starts
	rec   []byte // a grain's record (reused: a piece is read out before the next is loaded)
}

func newVmdkStream(raw io.ReaderAt, capacityBytes, dataBytes int64) *vmdkStream {
	return &vmdkStream{l: newVmdkLayout(capacityBytes, dataBytes), raw: raw, at: -1, rec: make([]byte, grainRecord*sectorSize)}
}

func (s *vmdkStream) Size() int64 { return s.l.size() }

func (s *vmdkStream) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += s.pos
	case io.SeekEnd:
		offset += s.Size()
	default:
		return 0, errors.New("vmdk stream: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("vmdk stream: negative position")
	}
	s.pos = offset
	return offset, nil
}

func (s *vmdkStream) Read(p []byte) (int, error) {
	if s.pos >= s.Size() {
		return 0, io.EOF
	}
	if s.at < 0 || s.pos < s.at || s.pos >= s.at+int64(len(s.piece)) {
		if err := s.load(uint64(s.pos) / sectorSize); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.piece[s.pos-s.at:])
	s.pos += int64(n)
	return n, nil
}

// load makes piece the part of the stream that holds sector sec.
func (s *vmdkStream) load(sec uint64) error {
	l := s.l
	set := func(start uint64, b []byte) error {
		s.at, s.piece = int64(start*sectorSize), b
		return nil
	}
	switch {
	case sec == 0:
		return set(0, l.header(false))
	case sec < overheadSecs:
		return set(1, l.descriptor())
	case sec >= l.gdStart:
		switch rel := sec - l.gdStart; {
		case rel == 0:
			return set(l.gdStart, marker(l.gdSecs, markerGD))
		case rel <= l.gdSecs:
			gd := make([]byte, l.gdSecs*sectorSize)
			for t := uint64(0); t < l.tables; t++ {
				binary.LittleEndian.PutUint32(gd[t*4:], uint32(l.tableSector(t)+1))
			}
			return set(l.gdStart+1, gd)
		case rel == l.gdSecs+1:
			return set(sec, marker(1, markerFooter))
		case rel == l.gdSecs+2:
			return set(sec, l.header(true))
		default:
			return set(sec, marker(0, markerEOS))
		}
	}
	// In the grains and tables: find the table group, then the grain or the table.
	rel := sec - overheadSecs
	group := rel / (gtEntries*grainRecord + 1 + gtSectors)
	t := l.tableSector(group)
	if sec >= t {
		if sec == t {
			return set(t, marker(gtSectors, markerGT))
		}
		gt := make([]byte, gtSectors*sectorSize)
		for j := uint64(0); j < gtEntries; j++ {
			if g := group*gtEntries + j; g < l.written {
				binary.LittleEndian.PutUint32(gt[j*4:], uint32(l.grainSector(g)))
			}
		}
		return set(t+1, gt)
	}
	g := group*gtEntries + (sec-l.grainSector(group*gtEntries))/grainRecord
	b, err := s.grainRecord(g)
	if err != nil {
		return err
	}
	return set(l.grainSector(g), b)
}

// grainRecord is grain g's marker and zlib stream, padded to whole sectors. Bytes past the
// raw file's end (and past the capacity) are zeros.
func (s *vmdkStream) grainRecord(g uint64) ([]byte, error) {
	b := s.rec // the padding after the zlib stream stays zero
	binary.LittleEndian.PutUint64(b[0:], g*grainSectors)
	binary.LittleEndian.PutUint32(b[8:], zlibLen)
	z := b[12:]
	z[0], z[1] = 0x78, 0x01 // deflate, 32 KiB window, no dictionary, fastest
	// The raw bytes are read straight into the two stored blocks (one copy less per grain).
	limit := int64(s.l.capacity*sectorSize) - int64(g*grainBytes) // bytes of this grain inside the capacity
	sum := adler32.New()
	o := 2
	for half := int64(0); half < 2; half++ {
		z[o] = byte(half) // BFINAL on the second block, BTYPE 00 (stored)
		binary.LittleEndian.PutUint16(z[o+1:], storedHalf)
		binary.LittleEndian.PutUint16(z[o+3:], ^uint16(storedHalf))
		data := z[o+5 : o+5+storedHalf]
		n, err := s.raw.ReadAt(data, int64(g*grainBytes)+half*storedHalf)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if room := limit - half*storedHalf; room < int64(n) {
			n = int(maxInt64(room, 0))
		}
		for i := n; i < len(data); i++ {
			data[i] = 0
		}
		_, _ = sum.Write(data)
		o += 5 + storedHalf
	}
	binary.BigEndian.PutUint32(z[o:], sum.Sum32())
	return b, nil
}

func maxInt64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// WriteTo streams from the current position to w a piece at a time, without the extra copy
// Read makes (io.Copy uses it: the hashed full download).
func (s *vmdkStream) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for s.pos < s.Size() {
		if s.at < 0 || s.pos < s.at || s.pos >= s.at+int64(len(s.piece)) {
			if err := s.load(uint64(s.pos) / sectorSize); err != nil {
				return total, err
			}
		}
		n, err := w.Write(s.piece[s.pos-s.at:])
		s.pos += int64(n)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// openVmdk opens a raw disk file as its VMDK stream; close the file when done.
func openVmdk(path string, capacityBytes int64) (*vmdkStream, *os.File, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, nil, err
	}
	return newVmdkStream(f, exportCapacity(capacityBytes, st.Size()), st.Size()), f, st, nil
}

// exportCapacity is the disk's capacity as exported: its configured capacity, or the raw file's
// size (rounded up to KiB) when a test or bench wrote more than that into the file — vcsim's
// disks are 1 MiB by default. The descriptor and the lease report the same figure.
func exportCapacity(configured, fileSize int64) int64 {
	if kb := (fileSize + 1023) / 1024 * 1024; kb > configured {
		return kb
	}
	return configured
}
