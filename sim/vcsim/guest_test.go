package main

import (
	"context"
	"crypto/tls"
	"net/http"
	"io/ioutil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/guest"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type guestFixture struct {
	t    *testing.T
	ctx  context.Context
	c    *govmomi.Client
	vm   *object.VirtualMachine
	fm   *guest.FileManager
	pm   *guest.ProcessManager
	am   *guest.AuthManager
	auth types.BaseGuestAuthentication
}

// eventually polls cond every 50 ms, for at most 10 s (a bound, not a timing assert).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gave up waiting: %s", what)
}

func (f *guestFixture) toolsRunning() bool {
	var vm mo.VirtualMachine
	if err := f.vm.Properties(f.ctx, f.vm.Reference(), []string{"guest"}, &vm); err != nil {
		f.t.Fatal(err)
	}
	return vm.Guest.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning) &&
		vm.Guest.GuestOperationsReady != nil && *vm.Guest.GuestOperationsReady
}

func (f *guestFixture) power(on bool) {
	var task *object.Task
	var err error
	if on {
		task, err = f.vm.PowerOn(f.ctx)
	} else {
		task, err = f.vm.PowerOff(f.ctx)
	}
	if err == nil {
		err = task.Wait(f.ctx)
	}
	if err != nil {
		f.t.Fatal(err)
	}
}

// start runs a program and waits for its end; returns the exit code.
func (f *guestFixture) start(path, args string) int32 {
	f.t.Helper()
	pid, err := f.pm.StartProgram(f.ctx, f.auth, &types.GuestProgramSpec{ProgramPath: path, Arguments: args})
	if err != nil {
		f.t.Fatalf("%s %s: %v", path, args, err)
	}
	var code int32
	eventually(f.t, path+" ends", func() bool {
		ps, err := f.pm.ListProcesses(f.ctx, f.auth, []int64{pid})
		if err != nil || len(ps) != 1 {
			f.t.Fatalf("ListProcesses %d: %v %v", pid, ps, err)
		}
		code = ps[0].ExitCode
		return ps[0].EndTime != nil
	})
	return code
}

func (f *guestFixture) read(win string) string {
	f.t.Helper()
	info, err := f.fm.InitiateFileTransferFromGuest(f.ctx, f.auth, win)
	if err != nil {
		f.t.Fatalf("from guest %s: %v", win, err)
	}
	u, err := f.fm.TransferURL(f.ctx, info.Url)
	if err != nil {
		f.t.Fatal(err)
	}
	rd, _, err := f.c.Client.Download(f.ctx, u, &soap.DefaultDownload)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rd.Close()
	b, _ := ioutil.ReadAll(rd)
	return string(b)
}

func (f *guestFixture) write(win, text string) {
	f.t.Helper()
	s, err := f.fm.InitiateFileTransferToGuest(f.ctx, f.auth, win, &types.GuestFileAttributes{}, int64(len(text)), true)
	if err != nil {
		f.t.Fatalf("to guest %s: %v", win, err)
	}
	u, err := f.fm.TransferURL(f.ctx, s)
	if err != nil {
		f.t.Fatal(err)
	}
	p := soap.DefaultUpload
	p.ContentLength = int64(len(text))
	if err := f.c.Client.Upload(f.ctx, strings.NewReader(text), u, &p); err != nil {
		f.t.Fatal(err)
	}
}

func TestSimulatedWindowsGuest(t *testing.T) {
	l, err := start(config{Datacenters: 1, Hosts: 1, ClusterHosts: 1, VMs: 1, User: "u", Password: "p",
		Listen: "127.0.0.1:0", LeaseTimeout: time.Minute, GuestUser: "Administrator", GuestPassword: "Secret-1",
		GuestToolsDelay: 300 * time.Millisecond, GuestForget: 200 * time.Millisecond})
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
	dc, _ := finder.DefaultDatacenter(ctx)
	finder.SetDatacenter(dc)
	vm, err := finder.VirtualMachine(ctx, "DC0_H0_VM0")
	if err != nil {
		t.Fatal(err)
	}
	om := guest.NewOperationsManager(c.Client, vm.Reference())
	f := &guestFixture{t: t, ctx: ctx, c: c, vm: vm,
		auth: &types.NamePasswordAuthentication{Username: "administrator", Password: "Secret-1"}}
	if f.fm, err = om.FileManager(ctx); err != nil {
		t.Fatal(err)
	}
	if f.pm, err = om.ProcessManager(ctx); err != nil {
		t.Fatal(err)
	}
	if f.am, err = om.AuthManager(ctx); err != nil {
		t.Fatal(err)
	}

	// Powered off: Tools not running, guest operations refused for the power state.
	f.power(false)
	eventually(t, "tools stop with the VM", func() bool { return !f.toolsRunning() })
	if err := f.am.ValidateCredentials(ctx, f.auth); !isFault(err, "InvalidPowerState") {
		t.Fatalf("powered off: want InvalidPowerState, got %v", err)
	}
	// Just powered on: Tools are not up yet (300 ms).
	f.power(true)
	if err := f.am.ValidateCredentials(ctx, f.auth); !isFault(err, "GuestOperationsUnavailable") {
		t.Fatalf("right after power-on: want GuestOperationsUnavailable, got %v", err)
	}
	eventually(t, "tools running after power-on", f.toolsRunning)
	if err := f.am.ValidateCredentials(ctx, f.auth); err != nil {
		t.Fatalf("right password (user name in another case): %v", err)
	}
	bad := &types.NamePasswordAuthentication{Username: "Administrator", Password: "secret-1"}
	if err := f.am.ValidateCredentials(ctx, bad); !isFault(err, "InvalidGuestLogin") {
		t.Fatalf("wrong password: want InvalidGuestLogin, got %v", err)
	}
	if _, err := f.fm.ListFiles(ctx, bad, `C:\`, 0, 0, ""); !isFault(err, "InvalidGuestLogin") {
		t.Fatalf("ListFiles with a wrong password: want InvalidGuestLogin, got %v", err)
	}

	// File system: C:\ paths, case-insensitive, transfers with a "*" host.
	if err := f.fm.MakeDirectory(ctx, f.auth, `C:\Work\Sub`, true); err != nil {
		t.Fatal(err)
	}
	if err := f.fm.MakeDirectory(ctx, f.auth, `c:\WORK\sub`, false); !isFault(err, "FileAlreadyExists") {
		t.Fatalf("same folder in another case: want FileAlreadyExists, got %v", err)
	}
	raw, err := f.fm.InitiateFileTransferToGuest(ctx, f.auth, `C:\Work\in.txt`, &types.GuestFileAttributes{}, 2, true)
	if err != nil || !strings.HasPrefix(raw, "https://*:") || !strings.Contains(raw, "/guestFile?id=") {
		t.Fatalf("transfer URL %q (%v): want https://*:<port>/guestFile?id=...", raw, err)
	}
	f.write(`C:\Work\in.txt`, "payload")
	if got := f.read(`c:\work\IN.TXT`); got != "payload" {
		t.Fatalf("download: %q", got)
	}
	if _, err := f.fm.InitiateFileTransferToGuest(ctx, f.auth, `C:\Work\in.txt`, &types.GuestFileAttributes{}, 1, false); !isFault(err, "FileAlreadyExists") {
		t.Fatalf("upload without overwrite over a file: want FileAlreadyExists, got %v", err)
	}
	ls, err := f.fm.ListFiles(ctx, f.auth, `C:\work`, 0, 0, "")
	if err != nil || len(ls.Files) != 2 || ls.Files[0].Path != "in.txt" || ls.Files[0].Size != 7 || ls.Files[1].Type != "directory" {
		t.Fatalf("ListFiles: %+v %v", ls, err)
	}
	tmp, err := f.fm.CreateTemporaryFile(ctx, f.auth, "step-", ".log", "")
	if err != nil || !strings.HasPrefix(tmp, `C:\Users\Administrator\AppData\Local\Temp\step-`) || !strings.HasSuffix(tmp, ".log") {
		t.Fatalf("temporary file %q: %v", tmp, err)
	}
	tdir, err := f.fm.CreateTemporaryDirectory(ctx, f.auth, "d-", "", `C:\Work`)
	if err != nil || !strings.HasPrefix(tdir, `C:\Work\d-`) {
		t.Fatalf("temporary directory %q: %v", tdir, err)
	}
	if err := f.fm.DeleteDirectory(ctx, f.auth, `C:\Work`, false); !isFault(err, "DirectoryNotEmpty") {
		t.Fatalf("non-recursive delete of a full folder: want DirectoryNotEmpty, got %v", err)
	}
	if err := f.fm.DeleteFile(ctx, f.auth, tmp); err != nil {
		t.Fatal(err)
	}
	if err := f.fm.DeleteFile(ctx, f.auth, tmp); !isFault(err, "FileNotFound") {
		t.Fatalf("second delete: want FileNotFound, got %v", err)
	}

	// Programs.
	if code := f.start(`C:\Windows\System32\cmd.exe`, `/c "echo one> C:\Work\out.txt&& echo two>>C:\Work\out.txt && exit /b 3"`); code != 3 {
		t.Fatalf("cmd exit code %d, want 3", code)
	}
	if got := f.read(`C:\Work\out.txt`); got != "one\r\ntwo \r\n" {
		t.Fatalf("cmd redirection wrote %q", got)
	}
	if code := f.start(`C:\Windows\System32\cmd.exe`, `/c nosuch.exe 2> C:\Work\err.txt || echo %ERRORLEVEL%>C:\Work\code.txt`); code != 0 {
		t.Fatalf("|| branch exit code %d", code)
	}
	if got := f.read(`C:\Work\err.txt`); !strings.Contains(got, "'nosuch.exe' is not recognized") {
		t.Fatalf("stderr of an unknown program: %q", got)
	}
	// cmd expands %ERRORLEVEL% when it reads the line, so a one-liner sees the value before it.
	if got := f.read(`C:\Work\code.txt`); got != "0\r\n" {
		t.Fatalf("%%ERRORLEVEL%% expanded at parse time: %q", got)
	}
	f.write(`C:\Work\t.cmd`, "@echo off\r\nnosuch.exe 2>nul\r\necho %ERRORLEVEL%>C:\\Work\\code.txt\r\nexit /b 5\r\necho not reached>C:\\Work\\code.txt\r\n")
	if code := f.start(`C:\Windows\System32\cmd.exe`, `/c C:\Work\t.cmd`); code != 5 {
		t.Fatalf("batch file exit code %d, want 5", code)
	}
	if got := f.read(`C:\Work\code.txt`); got != "9009\r\n" {
		t.Fatalf("%%ERRORLEVEL%% after an unknown program in a batch file: %q", got)
	}
	if _, err := f.pm.StartProgram(ctx, f.auth, &types.GuestProgramSpec{ProgramPath: `C:\Tools\missing.exe`}); !isFault(err, "FileNotFound") {
		t.Fatalf("missing program: want FileNotFound, got %v", err)
	}
	reg := `C:\Windows\System32\reg.exe`
	if code := f.start(reg, `add "HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU" /v NoAutoUpdate /t REG_DWORD /d 1 /f`); code != 0 {
		t.Fatalf("reg add: %d", code)
	}
	if code := f.start(`C:\Windows\System32\cmd.exe`, `/c reg query HKEY_LOCAL_MACHINE\software\policies\microsoft\windows\windowsupdate\au /v noautoupdate > C:\Work\q.txt`); code != 0 {
		t.Fatalf("reg query: %d", code)
	}
	if got := f.read(`C:\Work\q.txt`); !strings.Contains(got, "NoAutoUpdate    REG_DWORD    0x1") {
		t.Fatalf("reg query output %q", got)
	}
	if code := f.start(reg, `query HKLM\SOFTWARE\Nothing`); code != 1 {
		t.Fatalf("reg query of a missing key: %d, want 1", code)
	}
	if code := f.start(`sc.exe`, `config wuauserv start= disabled`); code != 0 {
		t.Fatalf("sc config: %d", code)
	}
	if code := f.start(`C:\Windows\System32\cmd.exe`, `/c sc qc wuauserv > C:\Work\sc.txt`); code != 0 || !strings.Contains(f.read(`C:\Work\sc.txt`), "4   DISABLED") {
		t.Fatalf("sc qc after config: %d %q", code, f.read(`C:\Work\sc.txt`))
	}
	if code := f.start(`sc.exe`, `config nosvc start= disabled`); code != 1060 {
		t.Fatalf("sc config of a missing service: %d, want 1060", code)
	}
	// An exit in a nested cmd.exe ends only it: the outer script goes on and sees its code.
	f.write(`C:\Work\inner.cmd`, "exit /b 5\r\n")
	f.write(`C:\Work\outer.cmd`, "cmd.exe /c C:\\Work\\inner.cmd\r\necho code:%ERRORLEVEL%:> C:\\Work\\code.txt\r\n")
	if code := f.start(`C:\Windows\System32\cmd.exe`, `/c C:\Work\outer.cmd`); code != 0 || f.read(`C:\Work\code.txt`) != "code:5:\r\n" {
		t.Fatalf("nested cmd exit: %d %q", code, f.read(`C:\Work\code.txt`))
	}
	f.write(`C:\Work\s.ps1`, "Set-Content -Path C:\\Work\\ps.txt -Value 'from ps'\nexit 4\n")
	if code := f.start(`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `-NoProfile -ExecutionPolicy Bypass -File C:\Work\s.ps1`); code != 4 {
		t.Fatalf("powershell -File exit code %d, want 4", code)
	}
	if got := f.read(`C:\Work\ps.txt`); got != "from ps\r\n" {
		t.Fatalf("powershell Set-Content wrote %q", got)
	}
	if code := f.start(`powershell.exe`, `-Command "Get-Frobnicated"`); code != 1 {
		t.Fatalf("unknown cmdlet: exit %d, want 1", code)
	}
	f.write(`C:\Windows\Setup\scripts\Setup_x64.exe`, "MZ")
	if code := f.start(`C:\Windows\Setup\scripts\Setup_x64.exe`, ""); code != 0 {
		t.Fatalf("Setup_x64: %d", code)
	}
	if code := f.start(reg, `query HKLM\SOFTWARE\Citrix\AppLayering\OsMachineTools /v Installed`); code != 0 {
		t.Fatalf("Setup_x64 left no Installed marker: %d", code)
	}
	f.write(`C:\Windows\Setup\scripts\Unattend.exe`, "MZ")
	if code := f.start(`C:\Windows\Setup\scripts\Unattend.exe`, "/quiet"); code != 0 || !strings.Contains(f.read(`C:\Windows\Setup\scripts\unattend.xml`), "<unattend") {
		t.Fatalf("Unattend.exe: %d", code)
	}

	// A hanging program, terminated; its record is forgotten after -guest-process-forget.
	pid, err := f.pm.StartProgram(ctx, f.auth, &types.GuestProgramSpec{ProgramPath: `C:\Windows\System32\timeout.exe`, Arguments: "/t -1"})
	if err != nil {
		t.Fatal(err)
	}
	if ps, _ := f.pm.ListProcesses(ctx, f.auth, []int64{pid}); len(ps) != 1 || ps[0].EndTime != nil || ps[0].Name != "timeout.exe" {
		t.Fatalf("a hanging program: %+v", ps)
	}
	if err := f.pm.TerminateProcess(ctx, f.auth, pid); err != nil {
		t.Fatal(err)
	}
	if ps, _ := f.pm.ListProcesses(ctx, f.auth, []int64{pid}); len(ps) != 1 || ps[0].EndTime == nil || ps[0].ExitCode != 1 {
		t.Fatalf("after TerminateProcess: %+v", ps)
	}
	if err := f.pm.TerminateProcess(ctx, f.auth, pid); !isFault(err, "GuestProcessNotFound") {
		t.Fatalf("terminating an ended process: want GuestProcessNotFound, got %v", err)
	}
	eventually(t, "ended process forgotten", func() bool {
		ps, _ := f.pm.ListProcesses(ctx, f.auth, []int64{pid})
		return len(ps) == 0
	})

	// Faults injected through /guestControl.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // loopback test only
	control := func(query, user string) int {
		req, _ := http.NewRequest(http.MethodPost, "https://"+l.url.Host+"/guestControl?"+query, nil)
		req.SetBasicAuth(user, "p")
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := control("vm=DC0_H0_VM0&action=tools-stop", "intruder"); code != http.StatusUnauthorized {
		t.Fatalf("guestControl without the launcher's credentials: %d", code)
	}
	if code := control("vm=DC0_H0_VM0&action=tools-stop", "u"); code != http.StatusNoContent {
		t.Fatalf("tools-stop: %d", code)
	}
	if err := f.am.ValidateCredentials(ctx, f.auth); !isFault(err, "GuestOperationsUnavailable") || f.toolsRunning() {
		t.Fatalf("after tools-stop: want GuestOperationsUnavailable, got %v", err)
	}
	control("vm=DC0_H0_VM0&action=tools-start", "u")
	if err := f.am.ValidateCredentials(ctx, f.auth); err != nil {
		t.Fatalf("after tools-start: %v", err)
	}
	control("vm=DC0_H0_VM0&action=hang&program=Setup_x64.exe", "u")
	hung, err := f.pm.StartProgram(ctx, f.auth, &types.GuestProgramSpec{ProgramPath: `C:\Windows\Setup\scripts\Setup_x64.exe`})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // a model program ends in microseconds; this one must not
	if ps, _ := f.pm.ListProcesses(ctx, f.auth, []int64{hung}); len(ps) != 1 || ps[0].EndTime != nil {
		t.Fatalf("a hung Setup_x64.exe ended: %+v", ps)
	}
	if code := control("vm=DC0_H0_VM0&action=reboot", "u"); code != http.StatusNoContent {
		t.Fatalf("reboot: %d", code)
	}
	if err := f.am.ValidateCredentials(ctx, f.auth); !isFault(err, "GuestOperationsUnavailable") {
		t.Fatalf("right after an injected reboot: want GuestOperationsUnavailable, got %v", err)
	}
	eventually(t, "tools back after the injected reboot", f.toolsRunning)
	if ps, _ := f.pm.ListProcesses(ctx, f.auth, []int64{hung}); len(ps) != 0 {
		t.Fatalf("the hung process survived the reboot: %+v", ps)
	}
	control("vm=DC0_H0_VM0&action=unhang&program=setup_x64.exe", "u")

	// shutdown.exe /r: Tools go away, processes are forgotten, Tools come back; the disk stays.
	hang, _ := f.pm.StartProgram(ctx, f.auth, &types.GuestProgramSpec{ProgramPath: `timeout.exe`, Arguments: "/t 600"})
	if code := f.start(`C:\Windows\System32\shutdown.exe`, "/r /t 0"); code != 0 {
		t.Fatalf("shutdown /r: %d", code)
	}
	eventually(t, "tools stop for the reboot", func() bool { return !f.toolsRunning() })
	eventually(t, "tools back after the reboot", f.toolsRunning)
	if ps, _ := f.pm.ListProcesses(ctx, f.auth, []int64{hang}); len(ps) != 0 {
		t.Fatalf("a process survived the reboot: %+v", ps)
	}
	if got := f.read(`C:\Work\in.txt`); got != "payload" {
		t.Fatalf("the guest disk after a reboot: %q", got)
	}
	// shutdown.exe /s: the VM powers off.
	if code := f.start(`C:\Windows\System32\shutdown.exe`, "/s /t 0"); code != 0 {
		t.Fatalf("shutdown /s: %d", code)
	}
	eventually(t, "VM off after shutdown /s", func() bool {
		st, err := vm.PowerState(ctx)
		return err == nil && st == types.VirtualMachinePowerStatePoweredOff && !f.toolsRunning()
	})
}
