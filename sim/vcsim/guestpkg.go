package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// The App Layering packaging machine in the simulated guest: the files the ELM puts there
// (ShutdownForFinalize.cmd, UniService.exe), its layer-integrity state (the blockers Citrix
// documents, set by tests through /guestControl), and a Windows Update model that the provider's
// own WU script drives (recognised by wuMarker on its first line).

// wuMarker is the first line of the provider's Windows Update script (provider/packaging).
const wuMarker = "# applayering:windows-update v1"

// The seven layer-integrity warnings, verbatim from Citrix's docs ("Troubleshoot layer integrity issues").
const (
	msgRunOnce       = "A RunOnce script is outstanding - please check and reboot the packaging machine."
	msgReboot        = "A post-installation reboot is pending - please check and reboot the packaging machine."
	msgNgenRunning   = "A Microsoft ngen operation is in progress in the background."
	msgMsi           = "An MSI install operation is in progress - please check the packaging machine."
	msgBootDriver    = "A reboot is pending to update drivers on the boot disk - please check and reboot the packaging machine."
	msgNgenNeeded    = "A Microsoft ngen operation is needed."
	msgSmsCfg        = "Software Center Client is configured to run, but the SMSCFG.INI is still present."
	msgFinalizeOk    = "Layer finalize is allowed"
	integrityLog     = `C:\Program Files\Unidesk\Uniservice\Log\LayerIntegrity.txt`
	bilcLog          = `C:\Program Files\Unidesk\Uniservice\Log\UniBilcLogs_1.txt`
	finalizeScript   = `C:\Windows\Setup\Scripts\ShutdownForFinalize.cmd`
	uniservicePath   = `C:\Program Files\Unidesk\Uniservice\UniService.exe`
	smsCfgPath       = `C:\Windows\SMSCFG.INI`
	keyRunOnce       = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce`
	keyCbsReboot     = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending`
	keyWuReboot      = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired`
	keySessionMgr    = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Session Manager`
	valPendingRename = "PendingFileRenameOperations"
)

// pkgState is a packaging machine's guest (nil on other VMs); guarded by guests.mu.
type pkgState struct {
	name      string
	offload   bool // Shutdown For Finalize reboots into the compositing engine (ELM 1911+)
	updates   []*update
	ngenQueue int             // queued NGen work items; ngen executeQueuedItems clears them
	bootDrv   bool            // a boot-disk driver update waits for a reboot
	sticky    map[string]bool // blocker kinds a reboot does not clear
	finalized bool            // ShutdownForFinalize.cmd passed the check and shut down/rebooted
	wuRuns    int
}

// update is one Windows update: it applies once every update of an earlier round is installed
// and no reboot is pending (so round 2 shows only after round 1's reboot).
type update struct {
	KB        string
	Round     int
	Reboot    bool
	Installed bool
}

// pkgEvent is what peers.ts polls for: a packaging machine ran Shutdown For Finalize.
type pkgEvent struct {
	VM      string `json:"vm"`
	Event   string `json:"event"`
	Offload bool   `json:"offload"`
}

// setupPackaging lays the ELM's files into a packaging machine's disk.
func (gv *guestVM) setupPackaging() {
	for _, f := range []string{finalizeScript, uniservicePath,
		`C:\Windows\Microsoft.NET\Framework64\v4.0.30319\ngen.exe`, `C:\Windows\Microsoft.NET\Framework\v4.0.30319\ngen.exe`} {
		p, err := gv.hostPath(f)
		if err != nil {
			continue
		}
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if _, err := os.Stat(p); err != nil {
			_ = os.WriteFile(p, []byte("rem vcsim model of "+filepath.Base(p)+"\r\n"), 0o644)
		}
	}
	if p, err := gv.hostPath(`C:\Program Files\Unidesk\Uniservice\Log`); err == nil {
		_ = os.MkdirAll(p, 0o755)
	}
}

// blockers are the layer-integrity warnings that hold now, in Citrix's order. Caller holds guests.mu.
func (gv *guestVM) blockers() []string {
	var out []string
	if k := gv.registry[strings.ToUpper(keyRunOnce)]; k != nil && len(k.values) > 0 {
		out = append(out, msgRunOnce)
	}
	pendingRename := false
	if k := gv.registry[strings.ToUpper(keySessionMgr)]; k != nil {
		_, pendingRename = k.values[strings.ToUpper(valPendingRename)]
	}
	if gv.registry[strings.ToUpper(keyCbsReboot)] != nil || gv.registry[strings.ToUpper(keyWuReboot)] != nil || pendingRename {
		out = append(out, msgReboot)
	}
	running := map[string]bool{}
	for _, p := range gv.procs {
		if p.info.EndTime == nil {
			running[strings.ToLower(p.info.Name)] = true
		}
	}
	if running["ngen.exe"] || running["mscorsvw.exe"] {
		out = append(out, msgNgenRunning)
	}
	if running["msiexec.exe"] || running["tiworker.exe"] || running["trustedinstaller.exe"] {
		out = append(out, msgMsi)
	}
	if gv.pkg.bootDrv {
		out = append(out, msgBootDriver)
	}
	if gv.pkg.ngenQueue > 0 {
		out = append(out, msgNgenNeeded)
	}
	if p, err := gv.hostPath(smsCfgPath); err == nil {
		if _, err := os.Stat(p); err == nil {
			out = append(out, msgSmsCfg)
		}
	}
	return out
}

// rebooted clears what a Windows restart clears, except blockers a test made sticky. Caller holds guests.mu.
func (gv *guestVM) rebooted() {
	if gv.pkg == nil {
		return
	}
	s := gv.pkg.sticky
	if !s["runonce"] {
		delete(gv.registry, strings.ToUpper(keyRunOnce))
	}
	if !s["rebootpending"] {
		delete(gv.registry, strings.ToUpper(keyCbsReboot))
	}
	if !s["rebootrequired"] {
		delete(gv.registry, strings.ToUpper(keyWuReboot))
	}
	if k := gv.registry[strings.ToUpper(keySessionMgr)]; k != nil && !s["pendingrename"] {
		delete(k.values, strings.ToUpper(valPendingRename))
	}
	if !s["bootdriver"] {
		gv.pkg.bootDrv = false
	}
}

// writeIntegrity is what UniService.exe -L leaves behind: LayerIntegrity.txt and the BILC log.
func (r *run) writeIntegrity(blocked []string) {
	stamp := time.Now().UTC().Format("2006-01-02 15:04:05")
	var b strings.Builder
	b.WriteString(stamp + " Layer integrity check\r\n")
	if len(blocked) == 0 {
		b.WriteString(stamp + " " + msgFinalizeOk + "\r\n")
	}
	for _, m := range blocked {
		b.WriteString(stamp + " BlockFinalize: " + m + "\r\n")
	}
	_ = r.writeFile(integrityLog, b.String(), false)
	_ = r.writeFile(bilcLog, b.String(), true)
}

func (r *run) pkgBlockers() ([]string, bool) {
	r.g.mu.Lock()
	defer r.g.mu.Unlock()
	if r.gv.pkg == nil {
		return nil, false
	}
	return r.gv.blockers(), true
}

// uniserviceExe models UniService.exe -L (the layer-integrity check) and -G (unused NICs: nothing to do).
func uniserviceExe(r *run, args []string, raw string) int {
	if hasSwitch(args, "-G") {
		return 0
	}
	if !hasSwitch(args, "-L") {
		r.eprint("UniService: unknown option " + raw + "\r\n")
		return 87
	}
	blocked, ok := r.pkgBlockers()
	if !ok {
		r.eprint("UniService: this machine is not an App Layering packaging machine\r\n")
		return 1
	}
	r.writeIntegrity(blocked)
	for _, m := range blocked {
		r.print(m + "\r\n")
	}
	if len(blocked) == 0 {
		r.print(msgFinalizeOk + "\r\n")
	}
	return 0
}

// finalizeCmd models ShutdownForFinalize.cmd: the integrity check; blocked, it shows the
// warnings (in LayerIntegrity.txt and on stdout) and exits 1 without shutting down; otherwise
// it reboots into the compositing engine (offload compositing) or shuts the VM down.
func finalizeCmd(r *run, args []string, raw string) int {
	blocked, ok := r.pkgBlockers()
	if !ok {
		r.eprint("ShutdownForFinalize: this machine is not an App Layering packaging machine\r\n")
		return 1
	}
	r.writeIntegrity(blocked)
	if len(blocked) > 0 {
		for _, m := range blocked {
			r.print(m + "\r\n")
		}
		return 1
	}
	g, gv := r.g, r.gv
	g.mu.Lock()
	gv.pkg.finalized = true
	offload := gv.pkg.offload
	g.events = append(g.events, pkgEvent{VM: gv.pkg.name, Event: "shutdownForFinalize", Offload: offload})
	g.mu.Unlock()
	r.print("Shutting down for finalize\r\n")
	go func() {
		t := time.NewTimer(500 * time.Millisecond) // the script's own end is seen first
		defer t.Stop()
		select {
		case <-t.C:
		case <-g.stopc:
			return
		}
		if offload {
			// The compositing engine boots instead of Windows: no Tools, no guest operations.
			g.mu.Lock()
			gv.toolsHeld = true
			g.mu.Unlock()
			g.reboot(gv, -1)
		} else {
			g.powerOff(gv)
		}
	}()
	return 0
}

// ngenExe models ngen.exe executeQueuedItems: the queue empties (after a moment of work).
func ngenExe(r *run, args []string, raw string) int {
	if len(args) == 0 || !strings.EqualFold(args[0], "executeQueuedItems") {
		r.print("Microsoft (R) CLR Native Image Generator (vcsim model): only executeQueuedItems is modelled\r\n")
		return 0
	}
	if !r.sleep(200 * time.Millisecond) {
		return 1
	}
	r.g.mu.Lock()
	if r.gv.pkg != nil {
		r.gv.pkg.ngenQueue = 0
	}
	r.g.mu.Unlock()
	r.print("All compilation targets are up to date.\r\n")
	return 0
}

// wuResult is what the provider's WU script prints as its last stdout line.
type wuResult struct {
	Installed      []string `json:"installed"`
	RebootRequired bool     `json:"rebootRequired"`
	Remaining      int      `json:"remaining"`
}

// wuScript models the provider's Windows Update script: it installs every update that applies
// now, sets RebootRequired when one of them needs it, and prints the result as JSON.
func wuScript(r *run) int {
	if !r.sleep(300 * time.Millisecond) { // the search and install take a while
		return 1
	}
	r.g.mu.Lock()
	gv := r.gv
	if gv.pkg == nil {
		r.g.mu.Unlock()
		r.print(`{"installed":[],"rebootRequired":false,"remaining":0}` + "\r\n")
		return 0
	}
	gv.pkg.wuRuns++
	res := wuResult{Installed: []string{}}
	if gv.registry[strings.ToUpper(keyWuReboot)] == nil {
		lowest := -1
		for _, u := range gv.pkg.updates {
			if !u.Installed && (lowest < 0 || u.Round < lowest) {
				lowest = u.Round
			}
		}
		for _, u := range gv.pkg.updates {
			if !u.Installed && u.Round == lowest {
				u.Installed = true
				res.Installed = append(res.Installed, u.KB)
				res.RebootRequired = res.RebootRequired || u.Reboot
			}
		}
	} else {
		res.RebootRequired = true // nothing installs until the pending reboot
	}
	for _, u := range gv.pkg.updates {
		if !u.Installed {
			res.Remaining++
		}
	}
	if res.RebootRequired {
		k := gv.registry[strings.ToUpper(keyWuReboot)]
		if k == nil {
			gv.registry[strings.ToUpper(keyWuReboot)] = &regKey{name: keyWuReboot, values: map[string]regValue{}}
		}
	}
	r.g.mu.Unlock()
	sort.Strings(res.Installed)
	b, _ := json.Marshal(res)
	r.print("Searching for updates\r\n")
	for _, kb := range res.Installed {
		r.print("Installed " + kb + "\r\n")
	}
	r.print(string(b) + "\r\n")
	return 0
}

// pkgByName finds a VM's guest by the VM's name (nil when none).
func (g *guests) byName(name string) *guestVM {
	for _, obj := range simulator.Map.All("VirtualMachine") {
		if obj.Entity().Name == name {
			g.mu.Lock()
			gv := g.vms[obj.Reference().Value]
			g.mu.Unlock()
			return gv
		}
	}
	return nil
}

// fakeProcess is a process the test says is running in the guest (msiexec, TiWorker, ...): it
// ends after d (never when d < 0) or at a reboot.
func (g *guests) fakeProcess(gv *guestVM, exe string, d time.Duration) {
	spec := &types.GuestProgramSpec{ProgramPath: `C:\Windows\System32\` + exe}
	g.spawn(gv, spec, func(r *run, args []string, raw string) int {
		if !r.sleep(d) {
			return 1
		}
		return 0
	})
}
