package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io/ioutil"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/guest"
	"github.com/vmware/govmomi/vim25/types"
)

// control posts a guestControl action; returns the status and body.
func control(t *testing.T, l *launcher, q string) (int, string) {
	t.Helper()
	u := *l.url
	u.Path, u.RawQuery = "/guestControl", q
	req, _ := http.NewRequest(http.MethodPost, u.String(), nil)
	req.SetBasicAuth("u", "p")
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 30 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := ioutil.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func mustControl(t *testing.T, l *launcher, q string) string {
	t.Helper()
	code, body := control(t, l, q)
	if code/100 != 2 {
		t.Fatalf("guestControl %s: %d %s", q, code, body)
	}
	return body
}

func TestPackagingMachine(t *testing.T) {
	l, err := start(config{Datacenters: 1, Hosts: 1, ClusterHosts: 1, VMs: 1, User: "u", Password: "p",
		Listen: "127.0.0.1:0", LeaseTimeout: time.Minute, GuestUser: "Administrator", GuestPassword: "Secret-1",
		GuestToolsDelay: 200 * time.Millisecond, GuestForget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	ctx := context.Background()

	if code, _ := control(t, l, "action=blocker&vm=Pkg-1&kind=runonce"); code != http.StatusNotFound {
		t.Fatalf("blocker on a VM that is no packaging machine: want 404, got %d", code)
	}
	mustControl(t, l, "action=packaging-create&vm=Pkg-1")
	mustControl(t, l, "action=packaging-create&vm=Pkg-1") // idempotent: one VM
	u := *l.url
	u.User = url.UserPassword("u", "p")
	c, err := govmomi.NewClient(ctx, &u, true)
	if err != nil {
		t.Fatal(err)
	}
	finder := find.NewFinder(c.Client, true)
	dc, _ := finder.DefaultDatacenter(ctx)
	finder.SetDatacenter(dc)
	vms, _ := finder.VirtualMachineList(ctx, "Pkg-1")
	if len(vms) != 1 {
		t.Fatalf("want one VM named Pkg-1, got %d", len(vms))
	}
	vm := vms[0]
	om := guest.NewOperationsManager(c.Client, vm.Reference())
	f := &guestFixture{t: t, ctx: ctx, c: c, vm: vm, auth: &types.NamePasswordAuthentication{Username: "Administrator", Password: "Secret-1"}}
	f.fm, _ = om.FileManager(ctx)
	f.pm, _ = om.ProcessManager(ctx)
	eventually(t, "tools running in the packaging machine", f.toolsRunning)

	state := func() (st struct {
		Blockers  []string
		Updates   []update
		WuRuns    int
		Finalized bool
	}) {
		_ = json.Unmarshal([]byte(mustControl(t, l, "action=packaging-state&vm=Pkg-1")), &st)
		return
	}
	check := func() string {
		if code := f.start(uniservicePath, "-L"); code != 0 {
			t.Fatalf("UniService.exe -L: exit %d", code)
		}
		return f.read(integrityLog)
	}
	if got := check(); !strings.Contains(got, msgFinalizeOk) {
		t.Fatalf("clean machine: LayerIntegrity.txt %q lacks %q", got, msgFinalizeOk)
	}
	// Through cmd.exe, the quoted path with spaces as the provider runs it.
	if code := f.start(`C:\Windows\System32\cmd.exe`, `/c "`+uniservicePath+`" -L > C:\Windows\Temp\u.log 2>&1`); code != 0 {
		t.Fatalf("cmd.exe /c \"UniService.exe\" -L: exit %d (%s)", code, f.read(`C:\Windows\Temp\u.log`))
	}
	if got := f.read(`C:\Windows\Temp\u.log`); !strings.Contains(got, msgFinalizeOk) {
		t.Fatalf("UniService -L stdout %q lacks %q", got, msgFinalizeOk)
	}

	// Every blocker kind shows its Citrix message; a reboot clears the reboot-bound ones.
	for _, k := range []string{"runonce", "rebootpending", "pendingrename", "bootdriver", "ngen", "smscfg", "msiexec&seconds=-1", "ngen-running&seconds=-1"} {
		mustControl(t, l, "action=blocker&vm=Pkg-1&kind="+k)
	}
	got := check()
	for _, m := range []string{msgRunOnce, msgReboot, msgBootDriver, msgNgenNeeded, msgSmsCfg, msgMsi, msgNgenRunning} {
		if !strings.Contains(got, m) {
			t.Fatalf("LayerIntegrity.txt lacks %q:\n%s", m, got)
		}
	}
	if strings.Contains(got, msgFinalizeOk) {
		t.Fatalf("blocked machine says finalize is allowed:\n%s", got)
	}
	if code := f.start(finalizeScript, ""); code != 1 {
		t.Fatalf("ShutdownForFinalize.cmd while blocked: want exit 1, got %d", code)
	}
	if f.start(`C:\Windows\Microsoft.NET\Framework64\v4.0.30319\ngen.exe`, "executeQueuedItems") != 0 {
		t.Fatal("ngen executeQueuedItems failed")
	}
	mustControl(t, l, "action=blocker-clear&vm=Pkg-1&kind=smscfg")
	mustControl(t, l, "action=reboot&vm=Pkg-1")
	eventually(t, "tools back after the reboot", f.toolsRunning)
	if b := state().Blockers; len(b) != 0 {
		t.Fatalf("after ngen, removing SMSCFG.INI and a reboot: blockers %v", b)
	}

	// A sticky blocker survives the reboot; a timed process ends by itself.
	mustControl(t, l, "action=blocker&vm=Pkg-1&kind=rebootpending&sticky=1")
	mustControl(t, l, "action=blocker&vm=Pkg-1&kind=tiworker&seconds=1")
	mustControl(t, l, "action=reboot&vm=Pkg-1")
	eventually(t, "tools back after the reboot", f.toolsRunning)
	if b := state().Blockers; len(b) != 1 || b[0] != msgReboot {
		t.Fatalf("sticky reboot-pending after a reboot: blockers %v", b)
	}
	mustControl(t, l, "action=blocker-clear&vm=Pkg-1&kind=rebootpending")
	mustControl(t, l, "action=blocker&vm=Pkg-1&kind=tiworker&seconds=1")
	if b := state().Blockers; len(b) != 1 || b[0] != msgMsi {
		t.Fatalf("TiWorker running: blockers %v", b)
	}
	eventually(t, "TiWorker ends", func() bool { return len(state().Blockers) == 0 })

	// Windows Update: round 1 needs a reboot, round 2 applies after it, then nothing.
	mustControl(t, l, "action=updates&vm=Pkg-1&list=KB5031001:1:reboot,KB5031002:1,KB5032001:2")
	f.write(`C:\Windows\Temp\wu.ps1`, wuMarker+"\r\n$session = New-Object -ComObject Microsoft.Update.Session\r\n")
	wu := func() wuResult {
		if code := f.start(`C:\Windows\System32\cmd.exe`, `/c powershell.exe -File C:\Windows\Temp\wu.ps1 > C:\Windows\Temp\wu.log`); code != 0 {
			t.Fatalf("WU script exit %d", code)
		}
		lines := strings.Split(strings.TrimSpace(f.read(`C:\Windows\Temp\wu.log`)), "\r\n")
		var res wuResult
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
			t.Fatalf("WU output %q: %v", lines, err)
		}
		return res
	}
	if r := wu(); strings.Join(r.Installed, ",") != "KB5031001,KB5031002" || !r.RebootRequired || r.Remaining != 1 {
		t.Fatalf("round 1: %+v", r)
	}
	if r := wu(); len(r.Installed) != 0 || !r.RebootRequired {
		t.Fatalf("before the reboot nothing installs: %+v", r)
	}
	if b := state().Blockers; len(b) != 1 || b[0] != msgReboot {
		t.Fatalf("after round 1: want the reboot blocker, got %v", b)
	}
	mustControl(t, l, "action=reboot&vm=Pkg-1")
	eventually(t, "tools back after the reboot", f.toolsRunning)
	if r := wu(); strings.Join(r.Installed, ",") != "KB5032001" || r.RebootRequired || r.Remaining != 0 {
		t.Fatalf("round 2: %+v", r)
	}
	if r := wu(); len(r.Installed) != 0 {
		t.Fatalf("nothing left: %+v", r)
	}

	// Shutdown For Finalize, classic: the VM powers off and peers see one event.
	if code := f.start(finalizeScript, ""); code != 0 {
		t.Fatalf("ShutdownForFinalize.cmd on a clean machine: exit %d", code)
	}
	eventually(t, "the packaging machine powers off", func() bool {
		s, _ := vm.PowerState(ctx)
		return s == types.VirtualMachinePowerStatePoweredOff
	})
	var ev []pkgEvent
	_ = json.Unmarshal([]byte(mustControl(t, l, "action=events")), &ev)
	if len(ev) != 1 || ev[0].VM != "Pkg-1" || ev[0].Offload {
		t.Fatalf("events %+v", ev)
	}
	if body := mustControl(t, l, "action=events"); body != "[]" {
		t.Fatalf("events are drained: %s", body)
	}

	// Offload compositing: the VM reboots (stays on) into the compositing engine, without Tools.
	mustControl(t, l, "action=packaging-create&vm=Pkg-2&offload=1")
	vm2, err := finder.VirtualMachine(ctx, "Pkg-2")
	if err != nil {
		t.Fatal(err)
	}
	f2 := &guestFixture{t: t, ctx: ctx, c: c, vm: vm2, auth: f.auth}
	om2 := guest.NewOperationsManager(c.Client, vm2.Reference())
	f2.fm, _ = om2.FileManager(ctx)
	f2.pm, _ = om2.ProcessManager(ctx)
	eventually(t, "tools running in Pkg-2", f2.toolsRunning)
	if code := f2.start(finalizeScript, ""); code != 0 {
		t.Fatalf("ShutdownForFinalize.cmd (offload): exit %d", code)
	}
	eventually(t, "the compositing engine boots (Tools gone)", func() bool { return !f2.toolsRunning() })
	if s, _ := vm2.PowerState(ctx); s != types.VirtualMachinePowerStatePoweredOn {
		t.Fatalf("offload compositing: the VM must stay on (reboot), is %s", s)
	}
	_ = json.Unmarshal([]byte(mustControl(t, l, "action=events")), &ev)
	if len(ev) != 1 || ev[0].VM != "Pkg-2" || !ev[0].Offload {
		t.Fatalf("offload events %+v", ev)
	}
	mustControl(t, l, "action=packaging-remove&vm=Pkg-2")
	if vms, _ := finder.VirtualMachineList(ctx, "Pkg-2"); len(vms) != 0 {
		t.Fatalf("packaging-remove left %d VMs", len(vms))
	}
}
