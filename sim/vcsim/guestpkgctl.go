package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// pkgControl serves the packaging-machine actions of /guestControl (README "Packaging machine");
// false when the action is not one of them.
//
//	packaging-create  &vm=<name>[&offload=1]: a VM of that name (cloned from the first VM), powered
//	                  on, with the packaging machine's files; offload=1: Shutdown For Finalize reboots
//	                  into the compositing engine instead of shutting down
//	packaging-remove  &vm=<name>: powered off and destroyed (the ELM removed its packaging machine)
//	events            Shutdown For Finalize runs since the last call, as JSON (200)
//	packaging-state   &vm=<name>: blockers, updates, WU runs, finalized, as JSON (200)
//	blocker           &vm=&kind=<k>[&seconds=N][&sticky=1][&count=N]: set a layer-integrity blocker
//	blocker-clear     &vm=&kind=<k>: clear it (and its stickiness)
//	updates           &vm=&list=KB1:1:reboot,KB2:1,KB3:2: the updates Windows Update offers, by round
func (g *guests) pkgControl(w http.ResponseWriter, q url.Values) bool {
	action := q.Get("action")
	switch action {
	case "events":
		g.mu.Lock()
		ev := g.events
		g.events = nil
		g.mu.Unlock()
		if ev == nil {
			ev = []pkgEvent{}
		}
		writeJSON(w, ev)
		return true
	case "packaging-create":
		if err := g.createPackaging(q.Get("vm"), q.Get("offload") == "1"); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return true
		}
		w.WriteHeader(http.StatusNoContent)
		return true
	case "packaging-remove":
		if err := g.removePackaging(q.Get("vm")); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return true
		}
		w.WriteHeader(http.StatusNoContent)
		return true
	case "packaging-state", "blocker", "blocker-clear", "updates":
	default:
		return false
	}
	gv := g.byName(q.Get("vm"))
	if gv == nil || gv.pkg == nil {
		http.Error(w, "no packaging machine named "+q.Get("vm")+" (parameter vm; create it with action=packaging-create)", http.StatusNotFound)
		return true
	}
	var err error
	switch action {
	case "packaging-state":
		g.mu.Lock()
		st := map[string]interface{}{"blockers": gv.blockers(), "updates": gv.pkg.updates, "wuRuns": gv.pkg.wuRuns,
			"finalized": gv.pkg.finalized, "ngenQueue": gv.pkg.ngenQueue}
		if st["blockers"] == nil {
			st["blockers"] = []string{}
		}
		b, _ := json.Marshal(st)
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
		return true
	case "blocker":
		err = g.setBlocker(gv, q)
	case "blocker-clear":
		err = g.clearBlocker(gv, strings.ToLower(q.Get("kind")))
	case "updates":
		err = g.setUpdates(gv, q.Get("list"))
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return true
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

const blockerKinds = "runonce, rebootpending, rebootrequired, pendingrename, bootdriver, ngen, ngen-running, msiexec, tiworker, trustedinstaller, smscfg"

var blockerProcess = map[string]string{"msiexec": "msiexec.exe", "tiworker": "TiWorker.exe",
	"trustedinstaller": "TrustedInstaller.exe", "ngen-running": "mscorsvw.exe"}

func (g *guests) setBlocker(gv *guestVM, q url.Values) error {
	kind := strings.ToLower(q.Get("kind"))
	secs := -1
	if s := q.Get("seconds"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("seconds must be a whole number of seconds (-1: never ends), not %q", s)
		}
		secs = n
	}
	if exe, ok := blockerProcess[kind]; ok {
		d := time.Duration(secs) * time.Second
		if secs < 0 {
			d = -1
		}
		g.fakeProcess(gv, exe, d)
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	reg := func(key string, value string) {
		k := gv.registry[strings.ToUpper(key)]
		if k == nil {
			k = &regKey{name: key, values: map[string]regValue{}}
			gv.registry[strings.ToUpper(key)] = k
		}
		if value != "" {
			k.values[strings.ToUpper(value)] = regValue{name: value, typ: "REG_SZ", data: `C:\Windows\Temp\pending.cmd`}
		}
	}
	switch kind {
	case "runonce":
		reg(keyRunOnce, "AppSetupFinish")
	case "rebootpending":
		reg(keyCbsReboot, "")
	case "rebootrequired":
		reg(keyWuReboot, "")
	case "pendingrename":
		k := gv.registry[strings.ToUpper(keySessionMgr)]
		if k == nil {
			k = &regKey{name: keySessionMgr, values: map[string]regValue{}}
			gv.registry[strings.ToUpper(keySessionMgr)] = k
		}
		k.values[strings.ToUpper(valPendingRename)] = regValue{name: valPendingRename, typ: "REG_MULTI_SZ", data: `\??\C:\Windows\Temp\old.dll`}
	case "bootdriver":
		gv.pkg.bootDrv = true
	case "ngen":
		n, err := strconv.Atoi(q.Get("count"))
		if err != nil || n <= 0 {
			n = 3
		}
		gv.pkg.ngenQueue = n
	case "smscfg":
		p, err := gv.hostPath(smsCfgPath)
		if err == nil {
			err = os.WriteFile(p, []byte("[Configuration - Client Properties]\r\n"), 0o644)
		}
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("kind must be one of %s, not %q", blockerKinds, kind)
	}
	if q.Get("sticky") == "1" {
		gv.pkg.sticky[kind] = true
	}
	return nil
}

func (g *guests) clearBlocker(gv *guestVM, kind string) error {
	if exe, ok := blockerProcess[kind]; ok {
		g.mu.Lock()
		for _, p := range gv.procs {
			if strings.EqualFold(p.info.Name, exe) && p.info.EndTime == nil {
				end := time.Now()
				p.info.EndTime, p.info.ExitCode = &end, 0
				p.cancel()
			}
		}
		g.mu.Unlock()
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(gv.pkg.sticky, kind)
	switch kind {
	case "runonce":
		delete(gv.registry, strings.ToUpper(keyRunOnce))
	case "rebootpending":
		delete(gv.registry, strings.ToUpper(keyCbsReboot))
	case "rebootrequired":
		delete(gv.registry, strings.ToUpper(keyWuReboot))
	case "pendingrename":
		if k := gv.registry[strings.ToUpper(keySessionMgr)]; k != nil {
			delete(k.values, strings.ToUpper(valPendingRename))
		}
	case "bootdriver":
		gv.pkg.bootDrv = false
	case "ngen":
		gv.pkg.ngenQueue = 0
	case "smscfg":
		if p, err := gv.hostPath(smsCfgPath); err == nil {
			_ = os.Remove(p)
		}
	default:
		return fmt.Errorf("kind must be one of %s, not %q", blockerKinds, kind)
	}
	return nil
}

// setUpdates parses KB:round[:reboot],... into the machine's Windows Update offer.
func (g *guests) setUpdates(gv *guestVM, list string) error {
	var ups []*update
	for _, item := range strings.Split(list, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		parts := strings.Split(strings.TrimSpace(item), ":")
		round := 1
		if len(parts) > 1 {
			n, err := strconv.Atoi(parts[1])
			if err != nil || n < 1 {
				return fmt.Errorf("list: round of %q must be a number from 1", item)
			}
			round = n
		}
		if !strings.HasPrefix(parts[0], "KB") {
			return fmt.Errorf("list: %q must start with a KB number (KB5031001:1:reboot)", item)
		}
		ups = append(ups, &update{KB: parts[0], Round: round, Reboot: len(parts) > 2 && parts[2] == "reboot"})
	}
	g.mu.Lock()
	gv.pkg.updates = ups
	g.mu.Unlock()
	return nil
}

// vimClient logs in to the launcher itself (packaging machines are made with vSphere's own calls).
func (g *guests) vimClient(ctx context.Context) (*govmomi.Client, error) {
	if g.self == nil {
		return nil, fmt.Errorf("the launcher has no SDK URL yet")
	}
	return govmomi.NewClient(ctx, g.self, true)
}

// createPackaging clones the first VM into a packaging machine named name and powers it on.
func (g *guests) createPackaging(name string, offload bool) error {
	if name == "" {
		return fmt.Errorf("packaging-create needs vm=<name>")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if g.byName(name) == nil {
		c, err := g.vimClient(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = c.Logout(context.Background()) }()
		finder := find.NewFinder(c.Client, true)
		dc, err := finder.DefaultDatacenter(ctx)
		if err != nil {
			return err
		}
		finder.SetDatacenter(dc)
		// The source is a VM of the launcher's own (never another packaging machine, which may be
		// shutting down or going away at this moment).
		all, err := finder.VirtualMachineList(ctx, "*")
		var vms []*object.VirtualMachine
		for _, vm := range all {
			g.mu.Lock()
			gv := g.vms[vm.Reference().Value]
			isPkg := gv != nil && gv.pkg != nil
			g.mu.Unlock()
			if !isPkg && strings.HasPrefix(vm.Name(), "DC") {
				vms = append(vms, vm)
			}
		}
		if err != nil || len(vms) == 0 {
			return fmt.Errorf("no VM to clone the packaging machine from: %v", err)
		}
		folders, err := dc.Folders(ctx)
		if err != nil {
			return err
		}
		task, err := vms[0].Clone(ctx, folders.VmFolder, name, types.VirtualMachineCloneSpec{})
		if err == nil {
			err = task.Wait(ctx)
		}
		if err != nil {
			return fmt.Errorf("cloning %s: %w", name, err)
		}
		vm, err := finder.VirtualMachine(ctx, name)
		if err != nil {
			return err
		}
		if err := powerOn(ctx, vm); err != nil {
			return err
		}
	}
	g.tick()
	gv := g.byName(name)
	if gv == nil {
		return fmt.Errorf("packaging machine %s not in the guest model", name)
	}
	g.mu.Lock()
	if gv.pkg == nil {
		gv.pkg = &pkgState{name: name, sticky: map[string]bool{}}
	}
	gv.pkg.offload = offload
	g.mu.Unlock()
	gv.setupPackaging()
	return nil
}

func powerOn(ctx context.Context, vm *object.VirtualMachine) error {
	state, err := vm.PowerState(ctx)
	if err != nil || state == types.VirtualMachinePowerStatePoweredOn {
		return err
	}
	task, err := vm.PowerOn(ctx)
	if err == nil {
		err = task.Wait(ctx)
	}
	return err
}

// removePackaging powers the machine off and destroys it (a missing one is already gone).
func (g *guests) removePackaging(name string) error {
	if g.byName(name) == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := g.vimClient(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = c.Logout(context.Background()) }()
	finder := find.NewFinder(c.Client, true)
	dc, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		return err
	}
	finder.SetDatacenter(dc)
	vm, err := finder.VirtualMachine(ctx, name)
	if err != nil {
		return nil
	}
	if state, _ := vm.PowerState(ctx); state == types.VirtualMachinePowerStatePoweredOn {
		if task, err := vm.PowerOff(ctx); err == nil {
			_ = task.Wait(ctx)
		}
	}
	task, err := vm.Destroy(ctx)
	if err == nil {
		err = task.Wait(ctx)
	}
	return err
}
