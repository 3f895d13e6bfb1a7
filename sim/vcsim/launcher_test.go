package main

import (
	"bytes"
	"context"
	"fmt"
	"io/ioutil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/ovf"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// One launcher per test binary: vcsim's registry is a package-level global.
func TestExportWithGovmomiClient(t *testing.T) {
	l, err := start(config{Datacenters: 1, Hosts: 1, ClusterHosts: 1, VMs: 1, User: "u", Password: "p",
		Listen: "127.0.0.1:0", LeaseTimeout: 2 * time.Second, LeaseInit: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	ctx := context.Background()

	u := *l.url
	u.User = url.UserPassword("u", "p")
	c, err := govmomi.NewClient(ctx, &u, true)
	if err != nil {
		t.Fatal(err)
	}
	finder := find.NewFinder(c.Client, true)
	dc, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	finder.SetDatacenter(dc)
	vm, err := finder.VirtualMachine(ctx, "DC0_H0_VM0")
	if err != nil {
		t.Fatal(err)
	}

	// Powered on: refused as vSphere does.
	if _, err := vm.Export(ctx); err == nil || !isFault(err, "InvalidPowerState") {
		t.Fatalf("export of a powered-on VM: want InvalidPowerState, got %v", err)
	}
	task, err := vm.PowerOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := task.Wait(ctx); err != nil {
		t.Fatal(err)
	}

	// Put real bytes into the disk so the download and the manifest mean something.
	payload := []byte(strings.Repeat("vcsim-launcher export payload\n", 4096))
	diskPath := localDiskPath(t, l, vm)
	if err := ioutil.WriteFile(diskPath, payload, 0600); err != nil {
		t.Fatal(err)
	}

	lease, err := vm.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	info, err := lease.Wait(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Items) != 1 || info.LeaseTimeout != 2 {
		t.Fatalf("lease info: %d items, timeout %d", len(info.Items), info.LeaseTimeout)
	}
	updater := lease.StartUpdater(ctx, info)
	dir, _ := ioutil.TempDir("", "vcsim-export-test-")
	defer os.RemoveAll(dir)
	item := info.Items[0]
	out := filepath.Join(dir, "disk-0.vmdk")
	if err := lease.DownloadFile(ctx, out, item, soap.DefaultDownload); err != nil {
		t.Fatal(err)
	}
	updater.Done()
	// Served as vSphere does: a streamOptimized VMDK of the raw bytes, as long as the lease said.
	got, _ := ioutil.ReadFile(out)
	if int64(len(got)) != item.Size {
		t.Fatalf("downloaded %d bytes, the lease announced %d", len(got), item.Size)
	}
	disk := decodeStreamOptimized(t, got)
	if !bytes.Equal(disk[:len(payload)], payload) || !bytes.Equal(disk[len(payload):], make([]byte, len(disk)-len(payload))) {
		t.Fatalf("the downloaded VMDK holds other bytes than the disk file")
	}
	if err := lease.GetManifest(ctx); err != nil {
		t.Fatal(err)
	}
	if err := lease.Complete(ctx); err != nil {
		t.Fatal(err)
	}
	if err := lease.Complete(ctx); err == nil {
		t.Fatal("a second Complete must fault")
	}

	cdp := types.OvfCreateDescriptorParams{Name: "exported vm",
		OvfFiles: []types.OvfFile{{DeviceId: item.DeviceId, Path: "exported vm-disk-0.vmdk", Size: int64(len(got))}}}
	res, err := ovf.NewManager(c.Client).CreateDescriptor(ctx, vm, cdp)
	if err != nil {
		t.Fatal(err)
	}
	env, err := ovf.Unmarshal(strings.NewReader(res.OvfDescriptor))
	if err != nil {
		t.Fatalf("descriptor does not parse: %v\n%s", err, res.OvfDescriptor)
	}
	if env.VirtualSystem == nil || env.VirtualSystem.ID != "exported vm" || env.Disk == nil || len(env.Disk.Disks) != 1 {
		t.Fatalf("descriptor content:\n%s", res.OvfDescriptor)
	}
	if len(env.References) != 1 || env.References[0].Href != "exported vm-disk-0.vmdk" || env.References[0].Size != uint(len(got)) {
		t.Fatalf("references: %+v", env.References)
	}
	// The descriptor's capacity is the VMDK header's.
	if d := env.Disk.Disks[0]; d.Capacity != fmt.Sprint(len(disk)/1024) || d.CapacityAllocationUnits == nil || *d.CapacityAllocationUnits != "byte * 2^10" {
		t.Fatalf("disk capacity %s %v, the VMDK holds %d bytes", d.Capacity, d.CapacityAllocationUnits, len(disk))
	}
	hw := env.VirtualSystem.VirtualHardware[0]
	kinds := map[uint16]int{}
	for _, it := range hw.Item {
		if it.ResourceType != nil {
			kinds[uint16(*it.ResourceType)]++
		}
	}
	if kinds[3] != 1 || kinds[4] != 1 || kinds[17] != 1 || kinds[10] != 1 || kinds[6] < 1 {
		t.Fatalf("hardware items by resource type: %v\n%s", kinds, res.OvfDescriptor)
	}
	if os := env.VirtualSystem.OperatingSystem; len(os) != 1 || os[0].OSType == nil || *os[0].OSType == "" {
		t.Fatalf("operating system section: %+v", os)
	}

	// Lease expiry: no Progress within the (2 s) timeout.
	lease2, err := vm.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lease2.Wait(ctx, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	if err := lease2.Progress(ctx, 10); err == nil || !isFault(err, "Timedout") {
		t.Fatalf("Progress after expiry: want Timedout, got %v", err)
	}
}

func isFault(err error, kind string) bool {
	if soap.IsSoapFault(err) {
		f := soap.ToSoapFault(err).VimFault()
		return f != nil && strings.TrimPrefix(reflect.TypeOf(f).String(), "*") == "types."+kind
	}
	return false
}

func localDiskPath(t *testing.T, l *launcher, vm *object.VirtualMachine) string {
	devices, err := vm.Device(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	disks := devices.SelectByType((*types.VirtualDisk)(nil))
	if len(disks) == 0 {
		t.Fatal("the VM has no disk")
	}
	name := disks[0].GetVirtualDevice().Backing.(types.BaseVirtualDeviceFileBackingInfo).GetVirtualDeviceFileBackingInfo().FileName
	var p object.DatastorePath
	p.FromString(name)
	for _, ds := range l.ready().Datastores {
		if ds.Name == p.Datastore {
			return filepath.Join(ds.Path, p.Path)
		}
	}
	t.Fatalf("no datastore for %s", name)
	return ""
}
