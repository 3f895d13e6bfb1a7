package main

import (
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// ovfManager wraps vcsim's OvfManager singleton (embedded by value, same moref) to add
// CreateDescriptor; CreateImportSpec and the rest keep working through the embedding.
type ovfManager struct {
	simulator.OvfManager
}

func installOvfManager(m *simulator.Model) {
	ref := *m.ServiceContent.OvfManager
	orig := simulator.Map.Get(ref).(*simulator.OvfManager)
	simulator.Map.Put(&ovfManager{OvfManager: *orig})
}

func (m *ovfManager) CreateDescriptor(ctx *simulator.Context, req *types.CreateDescriptor) soap.HasFault {
	body := &methods.CreateDescriptorBody{}
	vm, ok := ctx.Map.Get(req.Obj).(*simulator.VirtualMachine)
	if !ok {
		body.Fault_ = simulator.Fault("managed object not found: "+req.Obj.String(),
			&types.ManagedObjectNotFound{Obj: req.Obj})
		return body
	}
	var text string
	ctx.Map.WithLock(vm, func() { text = describe(vm, &req.Cdp) })
	body.Res = &types.CreateDescriptorResponse{Returnval: types.OvfCreateDescriptorResult{
		OvfDescriptor:     text,
		IncludeImageFiles: req.Cdp.IncludeImageFiles,
	}}
	return body
}

const (
	nsOvf              = "http://schemas.dmtf.org/ovf/envelope/1"
	nsCim              = "http://schemas.dmtf.org/wbem/wscim/1/common"
	nsRasd             = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
	nsVssd             = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
	nsVmw              = "http://www.vmware.com/schema/ovf"
	nsXsi              = "http://www.w3.org/2001/XMLSchema-instance"
	fmtStreamOptimized = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"
)

// cimOS maps a few guest ids to CIM operating-system numbers; the key readers should
// use is vmw:osType. Unknown ids get 1 ("Other").
var cimOS = map[string]int{
	"otherGuest": 1, "otherGuest64": 102, "other26xLinux64Guest": 100, "debian10_64Guest": 96,
	"suse64Guest": 83, "windows9Server64Guest": 112, "windows2019srv_64Guest": 112,
}

// rasd is one VirtualHardwareSection Item; fields are written in alphabetical element order.
type rasd struct {
	required                                                                   bool
	address, addressOnParent, allocationUnits, automaticAllocation, connection string
	description, elementName, hostResource, instanceID, parent, subType        string
	resourceType                                                               int
	quantity                                                                   string
	extra                                                                      string // vmw:* children
}

func (r rasd) write(b *strings.Builder) {
	if r.required {
		b.WriteString("      <Item>\n")
	} else {
		b.WriteString("      <Item ovf:required=\"false\">\n")
	}
	el := func(name, val string) {
		if val != "" {
			fmt.Fprintf(b, "        <rasd:%s>%s</rasd:%s>\n", name, xmlText(val), name)
		}
	}
	el("Address", r.address)
	el("AddressOnParent", r.addressOnParent)
	el("AllocationUnits", r.allocationUnits)
	el("AutomaticAllocation", r.automaticAllocation)
	el("Connection", r.connection)
	el("Description", r.description)
	el("ElementName", r.elementName)
	el("HostResource", r.hostResource)
	el("InstanceID", r.instanceID)
	el("Parent", r.parent)
	el("ResourceSubType", r.subType)
	el("ResourceType", fmt.Sprint(r.resourceType))
	el("VirtualQuantity", r.quantity)
	b.WriteString(r.extra)
	b.WriteString("      </Item>\n")
}

// describe writes a vSphere-style, fully namespaced OVF 1.x descriptor for the VM.
func describe(vm *simulator.VirtualMachine, cdp *types.OvfCreateDescriptorParams) string {
	name := cdp.Name
	if name == "" {
		name = vm.Name
	}
	devices := object.VirtualDeviceList(vm.Config.Hardware.Device)
	mac := false
	for _, o := range cdp.ExportOption {
		mac = mac || o == "mac"
	}

	var refs, disks, nets strings.Builder
	var items []rasd
	instance := 1
	next := func() string { instance++; return fmt.Sprint(instance - 1) }

	items = append(items, rasd{required: true, allocationUnits: "hertz * 10^6",
		description: "Number of Virtual CPUs", elementName: fmt.Sprintf("%d virtual CPU(s)", vm.Config.Hardware.NumCPU),
		instanceID: next(), resourceType: 3, quantity: fmt.Sprint(vm.Config.Hardware.NumCPU),
		extra: fmt.Sprintf("        <vmw:CoresPerSocket ovf:required=\"false\">%d</vmw:CoresPerSocket>\n", max32(vm.Config.Hardware.NumCoresPerSocket, 1))})
	items = append(items, rasd{required: true, allocationUnits: "byte * 2^20", description: "Memory Size",
		elementName: fmt.Sprintf("%dMB of memory", vm.Config.Hardware.MemoryMB), instanceID: next(),
		resourceType: 4, quantity: fmt.Sprint(vm.Config.Hardware.MemoryMB)})

	ctrlID := map[int32]string{}
	for _, dev := range devices {
		var r rasd
		c, isCtrl := dev.(types.BaseVirtualController)
		if !isCtrl {
			continue
		}
		bus := c.GetVirtualController().BusNumber
		switch dev.(type) {
		case *types.VirtualLsiLogicController:
			r = rasd{resourceType: 6, subType: "lsilogic", elementName: fmt.Sprintf("SCSI Controller %d", bus)}
		case *types.VirtualLsiLogicSASController:
			r = rasd{resourceType: 6, subType: "lsilogicsas", elementName: fmt.Sprintf("SCSI Controller %d", bus)}
		case *types.ParaVirtualSCSIController:
			r = rasd{resourceType: 6, subType: "VirtualSCSI", elementName: fmt.Sprintf("SCSI Controller %d", bus)}
		case *types.VirtualBusLogicController:
			r = rasd{resourceType: 6, subType: "buslogic", elementName: fmt.Sprintf("SCSI Controller %d", bus)}
		case *types.VirtualIDEController:
			r = rasd{resourceType: 5, elementName: fmt.Sprintf("IDE Controller %d", bus)}
		case *types.VirtualAHCIController:
			r = rasd{resourceType: 20, subType: "vmware.sata.ahci", elementName: fmt.Sprintf("SATA Controller %d", bus)}
		case *types.VirtualNVMEController:
			r = rasd{resourceType: 20, subType: "vmware.nvme.controller", elementName: fmt.Sprintf("NVMe Controller %d", bus)}
		default:
			continue
		}
		r.required = true
		r.address = fmt.Sprint(bus)
		r.description = r.elementName
		r.instanceID = next()
		ctrlID[dev.GetVirtualDevice().Key] = r.instanceID
		items = append(items, r)
	}

	fileIndex := 0
	for i, dev := range devices.SelectByType((*types.VirtualDisk)(nil)) {
		disk := dev.(*types.VirtualDisk)
		key := deviceKey(vm, devices, disk)
		fileRef := ""
		href, size := fmt.Sprintf("%s-disk-%d.vmdk", name, i), int64(-1)
		listed := len(cdp.OvfFiles) == 0
		for _, f := range cdp.OvfFiles {
			if f.DeviceId == key {
				href, size, listed = f.Path, f.Size, true
			}
		}
		if listed {
			fileIndex++
			fileRef = fmt.Sprintf("file%d", fileIndex)
			if size >= 0 {
				fmt.Fprintf(&refs, "    <File ovf:href=\"%s\" ovf:id=\"%s\" ovf:size=\"%d\"/>\n", xmlText(href), fileRef, size)
			} else {
				fmt.Fprintf(&refs, "    <File ovf:href=\"%s\" ovf:id=\"%s\"/>\n", xmlText(href), fileRef)
			}
		}
		diskID := fmt.Sprintf("vmdisk%d", i+1)
		attrRef := ""
		if fileRef != "" {
			attrRef = fmt.Sprintf(" ovf:fileRef=\"%s\"", fileRef)
		}
		fmt.Fprintf(&disks, "    <Disk ovf:capacity=\"%d\" ovf:capacityAllocationUnits=\"byte * 2^10\" ovf:diskId=\"%s\"%s ovf:format=\"%s\"/>\n",
			exportedCapacityKB(vm, disk), diskID, attrRef, fmtStreamOptimized)
		unit := int32(0)
		if disk.UnitNumber != nil {
			unit = *disk.UnitNumber
		}
		items = append(items, rasd{required: true, addressOnParent: fmt.Sprint(unit),
			elementName: fmt.Sprintf("Hard disk %d", i+1), hostResource: "ovf:/disk/" + diskID,
			instanceID: next(), parent: ctrlID[disk.ControllerKey], resourceType: 17})
	}

	seenNet := map[string]bool{}
	for i, dev := range devices.SelectByType((*types.VirtualEthernetCard)(nil)) {
		card := dev.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
		sub := nicSubType(dev)
		netName := networkName(dev)
		if !seenNet[netName] {
			seenNet[netName] = true
			fmt.Fprintf(&nets, "    <Network ovf:name=\"%s\">\n      <Description>The %s network</Description>\n    </Network>\n",
				xmlText(netName), xmlText(netName))
		}
		r := rasd{addressOnParent: fmt.Sprint(7 + i), automaticAllocation: "true", connection: netName,
			description: fmt.Sprintf("%s ethernet adapter on \"%s\"", sub, netName),
			elementName: fmt.Sprintf("Network adapter %d", i+1), instanceID: next(), subType: sub, resourceType: 10,
			extra: fmt.Sprintf("        <vmw:Config ovf:required=\"false\" vmw:key=\"wakeOnLanEnabled\" vmw:value=\"%t\"/>\n",
				card.WakeOnLanEnabled != nil && *card.WakeOnLanEnabled)}
		if mac {
			r.address = card.MacAddress
		}
		items = append(items, r)
	}

	guest := vm.Config.GuestId
	osID, ok := cimOS[guest]
	if !ok {
		osID = 1
	}
	firmware := vm.Config.Firmware
	if firmware == "" {
		firmware = "bios"
	}
	version := vm.Config.Version
	if version == "" {
		version = "vmx-13"
	}

	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	b.WriteString("<!--Generated by vcsim-launcher (VMware vcsim 0.24.2 with an OVF export add-on)-->\n")
	fmt.Fprintf(&b, "<Envelope vmw:buildId=\"build-0\" xmlns=\"%s\" xmlns:cim=\"%s\" xmlns:ovf=\"%s\" xmlns:rasd=\"%s\" xmlns:vmw=\"%s\" xmlns:vssd=\"%s\" xmlns:xsi=\"%s\">\n",
		nsOvf, nsCim, nsOvf, nsRasd, nsVmw, nsVssd, nsXsi)
	b.WriteString("  <References>\n" + refs.String() + "  </References>\n")
	b.WriteString("  <DiskSection>\n    <Info>Virtual disk information</Info>\n" + disks.String() + "  </DiskSection>\n")
	b.WriteString("  <NetworkSection>\n    <Info>The list of logical networks</Info>\n" + nets.String() + "  </NetworkSection>\n")
	fmt.Fprintf(&b, "  <VirtualSystem ovf:id=\"%s\">\n    <Info>A virtual machine</Info>\n    <Name>%s</Name>\n", xmlText(name), xmlText(name))
	if cdp.Description != "" {
		fmt.Fprintf(&b, "    <AnnotationSection>\n      <Info>A human-readable annotation</Info>\n      <Annotation>%s</Annotation>\n    </AnnotationSection>\n", xmlText(cdp.Description))
	}
	fmt.Fprintf(&b, "    <OperatingSystemSection ovf:id=\"%d\" vmw:osType=\"%s\">\n      <Info>The kind of installed guest operating system</Info>\n      <Description>%s</Description>\n    </OperatingSystemSection>\n",
		osID, xmlText(guest), xmlText(vm.Config.GuestFullName))
	b.WriteString("    <VirtualHardwareSection>\n      <Info>Virtual hardware requirements</Info>\n      <System>\n")
	b.WriteString("        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>\n        <vssd:InstanceID>0</vssd:InstanceID>\n")
	fmt.Fprintf(&b, "        <vssd:VirtualSystemIdentifier>%s</vssd:VirtualSystemIdentifier>\n        <vssd:VirtualSystemType>%s</vssd:VirtualSystemType>\n      </System>\n",
		xmlText(name), xmlText(version))
	for _, r := range items {
		r.write(&b)
	}
	fmt.Fprintf(&b, "      <vmw:Config ovf:required=\"false\" vmw:key=\"firmware\" vmw:value=\"%s\"/>\n", xmlText(firmware))
	b.WriteString("    </VirtualHardwareSection>\n  </VirtualSystem>\n</Envelope>\n")
	return b.String()
}

// exportedCapacityKB is the capacity the exported VMDK's header carries (see exportCapacity).
func exportedCapacityKB(vm *simulator.VirtualMachine, disk *types.VirtualDisk) int64 {
	size := int64(0)
	if b, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo); ok {
		if local, _ := localPath(vm, b.GetVirtualDeviceFileBackingInfo().FileName); local != "" {
			if st, err := os.Stat(local); err == nil {
				size = st.Size()
			}
		}
	}
	return exportCapacity(disk.CapacityInKB*1024, size) / 1024
}

func nicSubType(dev types.BaseVirtualDevice) string {
	switch dev.(type) {
	case *types.VirtualVmxnet3:
		return "VmxNet3"
	case *types.VirtualE1000e:
		return "E1000e"
	case *types.VirtualE1000:
		return "E1000"
	case *types.VirtualVmxnet2:
		return "VmxNet2"
	case *types.VirtualPCNet32:
		return "PCNet32"
	}
	return strings.TrimPrefix(reflect.TypeOf(dev).Elem().Name(), "Virtual")
}

func networkName(dev types.BaseVirtualDevice) string {
	switch b := dev.GetVirtualDevice().Backing.(type) {
	case *types.VirtualEthernetCardNetworkBackingInfo:
		return b.DeviceName
	case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
		for _, obj := range simulator.Map.All("DistributedVirtualPortgroup") {
			pg := obj.(*simulator.DistributedVirtualPortgroup)
			if pg.Key == b.Port.PortgroupKey {
				return pg.Name
			}
		}
		return b.Port.PortgroupKey
	}
	return "VM Network"
}

func max32(a, b int32) int32 {
	if a > b {
		return a
	}
	return b
}
