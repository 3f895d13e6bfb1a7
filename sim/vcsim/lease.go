package main

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// leaseFile is one file an export lease offers for download.
type leaseFile struct {
	key        string
	targetID   string
	path       string
	datastore  string
	capacityKB int64 // as exported: the served VMDK's capacity

	mu      sync.Mutex
	pending chan struct{} // closed when the hashing of a full download in progress ends
	sha1    string
	sha256  string
	size    int64
	mtime   time.Time
}

// beginHash marks a full download in progress; GetManifest waits for its hashes rather than
// reading the file again. Call the returned func with the results (ok=false: incomplete).
func (f *leaseFile) beginHash() func(s1, s256 string, size int64, mtime time.Time, ok bool) {
	done := make(chan struct{})
	f.mu.Lock()
	f.pending = done
	f.mu.Unlock()
	return func(s1, s256 string, size int64, mtime time.Time, ok bool) {
		if ok {
			f.setHash(s1, s256, size, mtime)
		}
		f.mu.Lock()
		if f.pending == done {
			f.pending = nil
		}
		f.mu.Unlock()
		close(done)
	}
}

func (f *leaseFile) setHash(s1, s256 string, size int64, mtime time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sha1, f.sha256 = s1, s256
	f.size, f.mtime = size, mtime
}

// hashes returns the hashes of the last full download, or of the file as it is now.
func (f *leaseFile) hashes(mode string) (string, string, int64, error) {
	f.mu.Lock()
	pending := f.pending
	f.mu.Unlock()
	if pending != nil {
		<-pending
	}
	disk, in, st, err := openVmdk(f.path, f.capacityKB*1024)
	if err != nil {
		return "", "", 0, err
	}
	defer in.Close()
	f.mu.Lock()
	if f.sha1 != "" && f.size == disk.Size() && f.mtime.Equal(st.ModTime()) {
		defer f.mu.Unlock()
		return f.sha1, f.sha256, f.size, nil
	}
	f.mu.Unlock()
	h := newFileHash(mode)
	n, err := io.Copy(h, disk)
	s1, s256 := h.sums()
	if err != nil {
		return "", "", 0, err
	}
	f.setHash(s1, s256, n, st.ModTime())
	return s1, s256, n, nil
}

// exportLease is an HttpNfcLease managed object registered in vcsim's Map: vcsim
// dispatches the HttpNfcLease* methods to it and its PropertyCollector serves its
// properties. mo.HttpNfcLease must stay the first field, embedded by value.
type exportLease struct {
	mo.HttpNfcLease
	st *leaseState
}

type leaseState struct {
	x       *exporter
	ticket  string
	files   []*leaseFile
	timer   *time.Timer
	reaper  *time.Timer
	expired bool
}

func newExportLease(x *exporter, vm types.ManagedObjectReference, ticket string, files []*leaseFile, capacityKB int64) *exportLease {
	l := &exportLease{st: &leaseState{x: x, ticket: ticket, files: files}}
	l.Self = types.ManagedObjectReference{Type: "HttpNfcLease"}
	l.State = types.HttpNfcLeaseStateInitializing
	l.Mode = "pull"
	l.Info = &types.HttpNfcLeaseInfo{Entity: vm, LeaseTimeout: int32(x.leaseTimeout / time.Second)}
	simulator.Map.Put(l)
	l.Info.Lease = l.Self

	var urls []types.HttpNfcLeaseDeviceUrl
	for _, f := range files {
		size := int64(0)
		if st, err := os.Stat(f.path); err == nil { // the VMDK's length follows from the capacity
			size = newVmdkLayout(exportCapacity(f.capacityKB*1024, st.Size()), st.Size()).size()
		}
		yes := true
		urls = append(urls, types.HttpNfcLeaseDeviceUrl{
			Key:           f.key,
			Url:           "https://*/nfc/" + ticket + "/" + f.targetID,
			SslThumbprint: x.thumbprint,
			Disk:          &yes,
			TargetId:      f.targetID,
			DatastoreKey:  f.datastore,
			FileSize:      size,
		})
	}
	info := *l.Info
	info.DeviceUrl = urls
	info.TotalDiskCapacityInKB = capacityKB

	// vSphere leases start "initializing"; become ready after a short delay.
	time.AfterFunc(x.leaseInit, func() {
		simulator.Map.WithLock(l, func() {
			if l.State != types.HttpNfcLeaseStateInitializing {
				return
			}
			simulator.Map.Update(l, []types.PropertyChange{
				{Name: "info", Val: &info},
				{Name: "initializeProgress", Val: int32(100)},
				{Name: "state", Val: types.HttpNfcLeaseStateReady},
			})
			l.st.timer = time.AfterFunc(x.leaseTimeout, l.expire)
		})
	})
	return l
}

func (l *exportLease) file(targetID string) *leaseFile {
	for _, f := range l.st.files {
		if f.targetID == targetID {
			return f
		}
	}
	return nil
}

// expire is the lease timeout: state error/Timedout, download ticket revoked.
func (l *exportLease) expire() {
	simulator.Map.WithLock(l, func() {
		if l.State != types.HttpNfcLeaseStateReady {
			return
		}
		l.st.expired = true
		l.finish(types.HttpNfcLeaseStateError, &types.LocalizedMethodFault{
			Fault:            &types.Timedout{},
			LocalizedMessage: "The operation timed out: the lease was not renewed with HttpNfcLeaseProgress within its timeout.",
		})
	})
}

// finish moves the lease to done or error, revokes its ticket and removes the object later.
func (l *exportLease) finish(state types.HttpNfcLeaseState, fault *types.LocalizedMethodFault) {
	if l.st.timer != nil {
		l.st.timer.Stop()
	}
	l.st.x.revoke(l.st.ticket)
	changes := []types.PropertyChange{{Name: "state", Val: state}}
	if fault != nil {
		changes = append(changes, types.PropertyChange{Name: "error", Val: fault})
	}
	simulator.Map.Update(l, changes)
	l.st.reaper = time.AfterFunc(2*time.Minute, func() { simulator.Map.Remove(l.Self) })
}

func (l *exportLease) stopTimers() {
	simulator.Map.WithLock(l, func() {
		if l.st.timer != nil {
			l.st.timer.Stop()
		}
		if l.st.reaper != nil {
			l.st.reaper.Stop()
		}
	})
}

// notReady is the fault for a call on a lease that is not (or no longer) ready.
func (l *exportLease) notReady() *soap.Fault {
	if l.st.expired {
		return simulator.Fault("The operation timed out: the export lease expired.", &types.Timedout{})
	}
	return simulator.Fault("The lease is in state "+string(l.State)+".", &types.InvalidState{})
}

func (l *exportLease) HttpNfcLeaseProgress(ctx *simulator.Context, req *types.HttpNfcLeaseProgress) soap.HasFault {
	body := &methods.HttpNfcLeaseProgressBody{}
	if l.State != types.HttpNfcLeaseStateReady {
		body.Fault_ = l.notReady()
		return body
	}
	if req.Percent < 0 || req.Percent > 100 {
		body.Fault_ = simulator.Fault("percent must be 0..100", &types.InvalidArgument{InvalidProperty: "percent"})
		return body
	}
	l.st.timer.Reset(l.st.x.leaseTimeout)
	simulator.Map.Update(l, []types.PropertyChange{{Name: "transferProgress", Val: req.Percent}})
	body.Res = &types.HttpNfcLeaseProgressResponse{}
	return body
}

func (l *exportLease) HttpNfcLeaseGetManifest(ctx *simulator.Context, req *types.HttpNfcLeaseGetManifest) soap.HasFault {
	body := &methods.HttpNfcLeaseGetManifestBody{}
	if l.st.x.manifest == "none" { // like vSphere before 6.7
		body.Fault_ = simulator.Fault(l.Self.String()+" does not implement: HttpNfcLeaseGetManifest",
			&types.MethodNotFound{Receiver: l.Self, Method: "HttpNfcLeaseGetManifest"})
		return body
	}
	if l.State != types.HttpNfcLeaseStateReady {
		body.Fault_ = l.notReady()
		return body
	}
	res := &types.HttpNfcLeaseGetManifestResponse{}
	for _, f := range l.st.files {
		s1, s256, size, err := f.hashes(l.st.x.manifest)
		if err != nil {
			body.Fault_ = simulator.Fault(err.Error(), &types.FileNotFound{FileFault: types.FileFault{File: f.path}})
			return body
		}
		entry := types.HttpNfcLeaseManifestEntry{Key: f.key, Sha1: s1, Size: size, Disk: true}
		if s256 != "" {
			entry.Checksum, entry.ChecksumType = s256, "sha256"
		}
		res.Returnval = append(res.Returnval, entry)
	}
	body.Res = res
	return body
}

func (l *exportLease) HttpNfcLeaseComplete(ctx *simulator.Context, req *types.HttpNfcLeaseComplete) soap.HasFault {
	body := &methods.HttpNfcLeaseCompleteBody{}
	if l.State != types.HttpNfcLeaseStateReady {
		body.Fault_ = l.notReady()
		return body
	}
	l.finish(types.HttpNfcLeaseStateDone, nil)
	body.Res = &types.HttpNfcLeaseCompleteResponse{}
	return body
}

func (l *exportLease) HttpNfcLeaseAbort(ctx *simulator.Context, req *types.HttpNfcLeaseAbort) soap.HasFault {
	body := &methods.HttpNfcLeaseAbortBody{}
	if l.State == types.HttpNfcLeaseStateDone || l.State == types.HttpNfcLeaseStateError {
		body.Fault_ = l.notReady()
		return body
	}
	fault := req.Fault
	if fault == nil {
		fault = &types.LocalizedMethodFault{Fault: &types.RequestCanceled{}, LocalizedMessage: "The export was aborted by the client."}
	}
	l.finish(types.HttpNfcLeaseStateError, fault)
	body.Res = &types.HttpNfcLeaseAbortResponse{}
	return body
}
