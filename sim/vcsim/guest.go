package main

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// guests is the simulated Windows guest of every VM: a file system in a folder, Tools that
// run a while after power-on, one guest account and a process manager (guestproc.go).
// vcsim 0.24.2 only has stubs for guest operations (they need Docker); our managers replace
// its GuestFileManager and GuestProcessManager objects (same morefs) and add GuestAuthManager.
type guests struct {
	root       string // one folder per VM below it
	user       string // compared case-insensitively, as Windows does
	password   string
	toolsDelay time.Duration // power-on -> Tools running
	forget     time.Duration // an ended process's record is dropped this long after its end
	port       string        // the launcher's HTTPS port, for transfer URLs

	mu        sync.Mutex
	vms       map[string]*guestVM // by VM moref value
	transfers map[string]*transfer
	stopc     chan struct{}
	events    []pkgEvent // Shutdown For Finalize runs, drained by guestControl action=events
	self      *url.URL   // the launcher's own SDK URL with its credentials (packaging-create clones through it)
}

// guestVM is one VM's guest; its fields are guarded by guests.mu.
type guestVM struct {
	ref      types.ManagedObjectReference
	dir      string // the guest's disk; "C:\x" is dir/c/x
	on       bool   // last power state seen was poweredOn
	readyAt  time.Time
	running  bool // Tools running as last published
	nextPid  int64
	procs    map[int64]*guestProc
	registry map[string]*regKey // by key path in upper case, HKLM spelled out
	services map[string]string  // service (lower case) -> start type from sc config
	// toolsInstalled: Setup_x64.exe ran to its end.
	toolsInstalled bool
	toolsHeld      bool            // guestControl tools-stop
	hang           map[string]bool // guestControl hang: program file names (lower case) that never end
	pkg            *pkgState       // an App Layering packaging machine's guest (guestpkg.go); nil otherwise
}

func newGuests(root, user, password string, delay, forget time.Duration) *guests {
	return &guests{root: root, user: user, password: password, toolsDelay: delay, forget: forget,
		vms: map[string]*guestVM{}, transfers: map[string]*transfer{}, stopc: make(chan struct{})}
}

// install swaps vcsim's guest managers for ours and starts watching power states.
func (g *guests) install(m *simulator.Model) {
	ref := *m.ServiceContent.GuestOperationsManager
	om := simulator.Map.Get(ref).(*simulator.GuestOperationsManager)
	auth := types.ManagedObjectReference{Type: "GuestAuthManager", Value: "guestOperationsAuthManager"}
	om.AuthManager = &auth
	simulator.Map.Put(&guestAuthManager{GuestAuthManager: mo.GuestAuthManager{Self: auth}, g: g})
	simulator.Map.Put(&guestFileManager{GuestFileManager: mo.GuestFileManager{Self: *om.FileManager}, g: g})
	simulator.Map.Put(&guestProcessManager{GuestProcessManager: mo.GuestProcessManager{Self: *om.ProcessManager}, g: g})
	for _, obj := range simulator.Map.All("VirtualMachine") {
		vm := obj.(*simulator.VirtualMachine)
		g.vms[vm.Self.Value] = &guestVM{ref: vm.Self, dir: filepath.Join(g.root, vm.Self.Value),
			procs: map[int64]*guestProc{}, nextPid: 4000, registry: map[string]*regKey{},
			services: map[string]string{}, hang: map[string]bool{}}
		g.publish(vm, false)
	}
	g.tick()
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-g.stopc:
				return
			case <-t.C:
				g.tick()
			}
		}
	}()
}

func (g *guests) stop() {
	select {
	case <-g.stopc:
	default:
		close(g.stopc)
	}
	g.mu.Lock()
	for _, gv := range g.vms {
		gv.killAll()
	}
	g.mu.Unlock()
}

// tick follows each VM's power state: power-on creates the guest disk and schedules Tools;
// power-off (or a reboot) stops Tools and every process; ended records expire.
func (g *guests) tick() {
	now := time.Now()
	for _, obj := range simulator.Map.All("VirtualMachine") {
		vm := obj.(*simulator.VirtualMachine)
		var on bool
		simulator.Map.WithLock(vm, func() { on = vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn })
		g.mu.Lock()
		gv := g.vms[vm.Self.Value]
		if gv == nil { // a VM created after start (clone, import)
			gv = &guestVM{ref: vm.Self, dir: filepath.Join(g.root, vm.Self.Value), procs: map[int64]*guestProc{},
				nextPid: 4000, registry: map[string]*regKey{}, services: map[string]string{}, hang: map[string]bool{}}
			g.vms[vm.Self.Value] = gv
		}
		if on && !gv.on {
			gv.boot(now, g.toolsDelay)
		}
		if !on && gv.on {
			gv.killAll()
		}
		gv.on = on
		want := on && !gv.toolsHeld && !now.Before(gv.readyAt)
		changed := want != gv.running
		gv.running = want
		gv.expire(now, g.forget)
		g.mu.Unlock()
		if changed {
			g.publish(vm, want)
		}
	}
}

// boot is power-on or the end of a reboot's shutdown: Tools come up after delay.
func (gv *guestVM) boot(now time.Time, delay time.Duration) {
	for _, d := range []string{`C:\Windows\System32`, `C:\Windows\Temp`, `C:\Windows\Setup\scripts`,
		`C:\Users\Administrator\AppData\Local\Temp`, `C:\Program Files`} {
		if p, err := gv.hostPath(d); err == nil {
			_ = os.MkdirAll(p, 0o755)
		}
	}
	gv.readyAt = now.Add(delay)
}

// publish sets the guest properties clients wait on (guest.toolsRunningStatus, guest.guestOperationsReady).
func (g *guests) publish(vm *simulator.VirtualMachine, running bool) {
	status := string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
	tools := types.VirtualMachineToolsStatusToolsNotRunning
	if running {
		status = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
		tools = types.VirtualMachineToolsStatusToolsOk
	}
	simulator.Map.WithLock(vm, func() {
		simulator.Map.Update(vm, []types.PropertyChange{
			{Name: "guest.toolsRunningStatus", Val: status},
			{Name: "guest.toolsStatus", Val: tools},
			{Name: "guest.guestOperationsReady", Val: running},
			{Name: "guest.interactiveGuestOperationsReady", Val: false},
			{Name: "guest.guestFamily", Val: "windowsGuest"},
			{Name: "summary.guest.toolsRunningStatus", Val: status},
			{Name: "summary.guest.toolsStatus", Val: tools},
		})
	})
}

// reboot: Tools stop now and start again after the delay, as a guest restart looks from vSphere.
func (g *guests) reboot(gv *guestVM, except int64) {
	g.mu.Lock()
	gv.killAllBut(except)
	gv.rebooted()
	gv.boot(time.Now(), g.toolsDelay+500*time.Millisecond)
	gv.running = false
	g.mu.Unlock()
	if vm, ok := simulator.Map.Get(gv.ref).(*simulator.VirtualMachine); ok {
		g.publish(vm, false)
	}
}

// powerOff is shutdown.exe /s: the VM goes poweredOff as after a guest shutdown.
func (g *guests) powerOff(gv *guestVM) {
	vm, ok := simulator.Map.Get(gv.ref).(*simulator.VirtualMachine)
	if !ok {
		return
	}
	simulator.Map.WithLock(vm, func() {
		if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			return
		}
		simulator.Map.Update(vm, []types.PropertyChange{
			{Name: "runtime.powerState", Val: types.VirtualMachinePowerStatePoweredOff},
			{Name: "summary.runtime.powerState", Val: types.VirtualMachinePowerStatePoweredOff},
		})
	})
	g.tick()
}

// prepare checks what every guest operation checks on ESXi, in its order: the VM, its power
// state, Tools, then the guest account. It returns the VM's guest with guests.mu NOT held.
func (g *guests) prepare(ctx *simulator.Context, ref types.ManagedObjectReference, auth types.BaseGuestAuthentication) (*guestVM, types.BaseMethodFault) {
	vm, ok := ctx.Map.Get(ref).(*simulator.VirtualMachine)
	if !ok {
		return nil, &types.ManagedObjectNotFound{Obj: ref}
	}
	var state types.VirtualMachinePowerState
	ctx.Map.WithLock(vm, func() { state = vm.Runtime.PowerState })
	if state != types.VirtualMachinePowerStatePoweredOn {
		return nil, &types.InvalidPowerState{RequestedState: types.VirtualMachinePowerStatePoweredOn, ExistingState: state}
	}
	g.mu.Lock()
	gv := g.vms[ref.Value]
	running := gv != nil && gv.running
	g.mu.Unlock()
	if !running {
		return nil, &types.GuestOperationsUnavailable{}
	}
	np, ok := auth.(*types.NamePasswordAuthentication)
	if !ok || !strings.EqualFold(np.Username, g.user) || np.Password != g.password {
		return nil, &types.InvalidGuestLogin{}
	}
	return gv, nil
}

type guestAuthManager struct {
	mo.GuestAuthManager
	g *guests
}

func (m *guestAuthManager) ValidateCredentialsInGuest(ctx *simulator.Context, req *types.ValidateCredentialsInGuest) soap.HasFault {
	body := &methods.ValidateCredentialsInGuestBody{}
	if _, f := m.g.prepare(ctx, req.Vm, req.Auth); f != nil {
		body.Fault_ = simulator.Fault("", f)
		return body
	}
	body.Res = &types.ValidateCredentialsInGuestResponse{}
	return body
}

func (m *guestAuthManager) ReleaseCredentialsInGuest(ctx *simulator.Context, req *types.ReleaseCredentialsInGuest) soap.HasFault {
	body := &methods.ReleaseCredentialsInGuestBody{}
	if _, f := m.g.prepare(ctx, req.Vm, req.Auth); f != nil {
		body.Fault_ = simulator.Fault("", f)
		return body
	}
	body.Res = &types.ReleaseCredentialsInGuestResponse{}
	return body
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
