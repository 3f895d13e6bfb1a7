package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// exporter is the HTTP middleware in front of vcsim's mux. It handles only what vcsim
// 0.24.2 cannot: ExportVm (after vcsim itself has answered MethodNotFound, so session and
// object checks stay vcsim's) and GET /nfc/<ticket>/<file> for the export leases.
type exporter struct {
	mux          *http.ServeMux
	leaseTimeout time.Duration
	leaseInit    time.Duration
	thumbprint   string
	manifest     string // sha256 (default), sha1 or none
	// Fault injection (-nfc-resets, -nfc-reset-after): the next resets full downloads are cut
	// after resetAfter bytes, the connection dropped as by a reset or a dead NFC stream.
	resets     atomic.Int32
	resetAfter int64

	pager *pager

	mu      sync.Mutex
	tickets map[string]*exportLease
	leases  []*exportLease
}

func newExporter(mux *http.ServeMux, timeout, init time.Duration, thumbprint, manifest string) *exporter {
	return &exporter{mux: mux, leaseTimeout: timeout, leaseInit: init, thumbprint: thumbprint, manifest: manifest,
		tickets: map[string]*exportLease{}, pager: newPager()}
}

func (x *exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/sdk") {
		body, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte("ExportVm")) {
			x.serveExportVm(w, r, body)
			return
		}
		if x.pager.serve(w, r, body, x.mux) {
			return
		}
	}
	if strings.HasPrefix(r.URL.Path, "/nfc/") && x.serveNFC(w, r) {
		return
	}
	x.mux.ServeHTTP(w, r)
}

// serveExportVm lets vcsim answer first; only its MethodNotFound means "ours to do".
func (x *exporter) serveExportVm(w http.ResponseWriter, r *http.Request, body []byte) {
	rec := httptest.NewRecorder()
	x.mux.ServeHTTP(rec, r)
	if rec.Code == http.StatusInternalServerError && bytes.Contains(rec.Body.Bytes(), []byte("MethodNotFound")) {
		method, err := simulator.UnmarshalBody(types.TypeFunc(), body)
		if err == nil && method.Name == "ExportVm" {
			x.exportVm(w, method.This)
			return
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (x *exporter) exportVm(w http.ResponseWriter, ref types.ManagedObjectReference) {
	vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	if !ok {
		writeFault(w, "managed object not found: "+ref.String(), "ManagedObjectNotFound",
			moref("obj", ref))
		return
	}
	var files []*leaseFile
	var capacityKB int64
	var fault string
	simulator.Map.WithLock(vm, func() {
		if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOff {
			writeFault(w, "", "InvalidPowerState",
				"<requestedState>poweredOff</requestedState><existingState>"+string(vm.Runtime.PowerState)+"</existingState>")
			fault = "sent"
			return
		}
		files, capacityKB, fault = diskFiles(vm)
	})
	switch {
	case fault == "sent":
		return
	case fault != "":
		writeFault(w, fault, "FileNotFound", "<file>"+xmlText(fault)+"</file>")
		return
	}
	lease := x.newLease(ref, files, capacityKB)
	writeResponse(w, "ExportVmResponse", moref("returnval", lease.Self))
}

// diskFiles lists the VM's disks as lease files (capacities as exported, see exportCapacity): the lease key imitates vSphere's
// "/<vm>/<ControllerType><bus>:<unit>", the target id is disk-<n>.vmdk.
func diskFiles(vm *simulator.VirtualMachine) ([]*leaseFile, int64, string) {
	devices := object.VirtualDeviceList(vm.Config.Hardware.Device)
	var files []*leaseFile
	var capacityKB int64
	for _, dev := range devices.SelectByType((*types.VirtualDisk)(nil)) {
		disk := dev.(*types.VirtualDisk)
		backing, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo)
		if !ok {
			continue
		}
		name := backing.GetVirtualDeviceFileBackingInfo().FileName
		local, ds := localPath(vm, name)
		if local == "" {
			return nil, 0, name
		}
		st, err := os.Stat(local)
		if err != nil {
			return nil, 0, name
		}
		kb := exportCapacity(disk.CapacityInKB*1024, st.Size()) / 1024
		capacityKB += kb
		files = append(files, &leaseFile{
			key:        deviceKey(vm, devices, disk),
			targetID:   fmt.Sprintf("disk-%d.vmdk", len(files)),
			path:       local,
			datastore:  ds,
			capacityKB: kb,
		})
	}
	return files, capacityKB, ""
}

func deviceKey(vm *simulator.VirtualMachine, devices object.VirtualDeviceList, disk *types.VirtualDisk) string {
	ctrl := devices.FindByKey(disk.ControllerKey)
	kind, bus := "Controller", int32(0)
	if ctrl != nil {
		kind = reflect.TypeOf(ctrl).Elem().Name()
		if c, ok := ctrl.(types.BaseVirtualController); ok {
			bus = c.GetVirtualController().BusNumber
		}
	}
	unit := int32(0)
	if disk.UnitNumber != nil {
		unit = *disk.UnitNumber
	}
	return fmt.Sprintf("/%s/%s%d:%d", vm.Self.Value, kind, bus, unit)
}

// localPath maps "[ds] dir/file.vmdk" to the file under that datastore's temp folder.
func localPath(vm *simulator.VirtualMachine, name string) (string, string) {
	var p object.DatastorePath
	if !p.FromString(name) {
		return "", ""
	}
	for _, ref := range vm.Datastore {
		ds, ok := simulator.Map.Get(ref).(*simulator.Datastore)
		if ok && ds.Name == p.Datastore {
			return filepath.Join(ds.Info.GetDatastoreInfo().Url, p.Path), ds.Self.Value
		}
	}
	return "", ""
}

func (x *exporter) newLease(vm types.ManagedObjectReference, files []*leaseFile, capacityKB int64) *exportLease {
	ticket := newTicket()
	lease := newExportLease(x, vm, ticket, files, capacityKB)
	x.mu.Lock()
	x.tickets[ticket] = lease
	x.leases = append(x.leases, lease)
	x.mu.Unlock()
	return lease
}

func (x *exporter) revoke(ticket string) {
	x.mu.Lock()
	delete(x.tickets, ticket)
	x.mu.Unlock()
}

func (x *exporter) stop() {
	x.mu.Lock()
	leases := x.leases
	x.leases = nil
	x.mu.Unlock()
	for _, l := range leases {
		l.stopTimers()
	}
}

// serveNFC serves our export tickets; it returns false for anything else (vcsim's imports).
func (x *exporter) serveNFC(w http.ResponseWriter, r *http.Request) bool {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/nfc/"), "/")
	if len(parts) != 2 {
		return false
	}
	x.mu.Lock()
	lease, ok := x.tickets[parts[0]]
	x.mu.Unlock()
	if !ok {
		if len(parts[0]) == 32 { // one of ours, revoked (completed, aborted or timed out)
			http.Error(w, "lease ticket is no longer valid", http.StatusNotFound)
			return true
		}
		return false
	}
	file := lease.file(parts[1])
	if file == nil {
		http.NotFound(w, r)
		return true
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return true
	}
	disk, f, st, err := openVmdk(file.path, file.capacityKB*1024)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return true
	}
	defer f.Close()
	size := disk.Size()
	w.Header().Set("Content-Type", "application/octet-stream")
	if r.Method == http.MethodGet && x.resetAfter > 0 && x.resets.Add(-1) >= 0 {
		w.Header().Set("Content-Length", fmt.Sprint(size))
		w.WriteHeader(http.StatusOK)
		_, _ = io.CopyN(w, disk, x.resetAfter)
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler) // net/http drops the connection mid-body
	}
	if r.Method == http.MethodGet && r.Header.Get("Range") == "" && x.manifest != "none" {
		// A full read: stream it through the hashers GetManifest reports.
		w.Header().Set("Content-Length", fmt.Sprint(size))
		w.WriteHeader(http.StatusOK)
		finish := file.beginHash()
		h := newFileHash(x.manifest)
		n, err := io.Copy(io.MultiWriter(w, h), disk)
		s1, s256 := h.sums()
		finish(s1, s256, n, st.ModTime(), err == nil && n == size)
		return true
	}
	http.ServeContent(w, r, parts[1], st.ModTime(), disk)
	return true
}

func newTicket() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

const envelopeStart = xml.Header + `<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"` +
	` xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
	` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`
const envelopeEnd = `</soapenv:Body></soapenv:Envelope>`

func writeResponse(w http.ResponseWriter, name, inner string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, envelopeStart+`<`+name+` xmlns="urn:vim25">`+inner+`</`+name+`>`+envelopeEnd)
}

// writeFault writes a vim fault in the wire form vcsim uses (HTTP 500, ServerFaultCode).
func writeFault(w http.ResponseWriter, msg, kind, fields string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = io.WriteString(w, envelopeStart+`<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>`+
		xmlText(msg)+`</faultstring><detail><`+kind+`Fault xmlns="urn:vim25" xsi:type="`+kind+`">`+fields+
		`</`+kind+`Fault></detail></soapenv:Fault>`+envelopeEnd)
}

func moref(elem string, ref types.ManagedObjectReference) string {
	return `<` + elem + ` type="` + xmlText(ref.Type) + `">` + xmlText(ref.Value) + `</` + elem + `>`
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
