package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// guestProc is one process started through StartProgramInGuest; guarded by guests.mu.
type guestProc struct {
	info   types.GuestProcessInfo
	cancel context.CancelFunc
}

func (gv *guestVM) killAll() { gv.killAllBut(-1) }

// killAllBut ends every process (a power-off or reboot) and forgets them all, as Tools do.
func (gv *guestVM) killAllBut(keep int64) {
	for pid, p := range gv.procs {
		if pid == keep {
			continue
		}
		p.cancel()
		delete(gv.procs, pid)
	}
}

// expire drops records whose process ended more than forget ago (Tools: about 5 minutes).
func (gv *guestVM) expire(now time.Time, forget time.Duration) {
	for pid, p := range gv.procs {
		if p.info.EndTime != nil && now.Sub(*p.info.EndTime) > forget {
			delete(gv.procs, pid)
		}
	}
}

type guestProcessManager struct {
	mo.GuestProcessManager
	g *guests
}

func (m *guestProcessManager) StartProgramInGuest(ctx *simulator.Context, req *types.StartProgramInGuest) soap.HasFault {
	body := &methods.StartProgramInGuestBody{}
	gv, fault := m.g.prepare(ctx, req.Vm, req.Auth)
	spec := req.Spec.GetGuestProgramSpec()
	var prog program
	if fault == nil {
		prog, fault = gv.resolve(spec.ProgramPath)
	}
	if fault == nil && spec.WorkingDirectory != "" {
		if p, err := gv.hostPath(spec.WorkingDirectory); err != nil {
			fault = &types.InvalidArgument{InvalidProperty: "spec.workingDirectory"}
		} else if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			fault = &types.FileNotFound{FileFault: types.FileFault{File: spec.WorkingDirectory}}
		}
	}
	if fault != nil {
		body.Fault_ = simulator.Fault("", fault)
		return body
	}
	pid := m.g.spawn(gv, spec, prog)
	body.Res = &types.StartProgramInGuestResponse{Returnval: pid}
	return body
}

// spawn records the process and runs its model in a goroutine; cancel is TerminateProcess,
// a power-off or a reboot.
func (g *guests) spawn(gv *guestVM, spec *types.GuestProgramSpec, prog program) int64 {
	c, cancel := context.WithCancel(context.Background())
	now := time.Now()
	g.mu.Lock()
	if gv.hang[strings.ToLower(filepath.Base(strings.ReplaceAll(spec.ProgramPath, `\`, "/")))] {
		prog = func(r *run, args []string, raw string) int { r.sleep(-1); return 1 }
	}
	gv.nextPid += 4 // Windows pids are multiples of 4
	pid := gv.nextPid
	cmdLine := `"` + spec.ProgramPath + `"`
	if spec.Arguments != "" {
		cmdLine += " " + spec.Arguments
	}
	gv.procs[pid] = &guestProc{cancel: cancel, info: types.GuestProcessInfo{
		Name: filepath.Base(strings.ReplaceAll(spec.ProgramPath, `\`, "/")), Pid: pid, Owner: g.user,
		CmdLine: cmdLine, StartTime: now}}
	g.mu.Unlock()
	go func() {
		r := &run{g: g, gv: gv, ctx: c, pid: pid, cwd: spec.WorkingDirectory}
		if r.cwd == "" {
			r.cwd = `C:\Windows\System32`
		}
		code := prog(r, splitArgs(spec.Arguments), spec.Arguments)
		end := time.Now()
		g.mu.Lock()
		if p := gv.procs[pid]; p != nil && p.info.EndTime == nil {
			if c.Err() != nil {
				code = 1 // TerminateProcess's exit code
			}
			p.info.EndTime = &end
			p.info.ExitCode = int32(code)
		}
		g.mu.Unlock()
		cancel()
	}()
	return pid
}

func (m *guestProcessManager) ListProcessesInGuest(ctx *simulator.Context, req *types.ListProcessesInGuest) soap.HasFault {
	body := &methods.ListProcessesInGuestBody{}
	gv, fault := m.g.prepare(ctx, req.Vm, req.Auth)
	if fault != nil {
		body.Fault_ = simulator.Fault("", fault)
		return body
	}
	want := map[int64]bool{}
	for _, p := range req.Pids {
		want[p] = true
	}
	res := []types.GuestProcessInfo{}
	m.g.mu.Lock()
	gv.expire(time.Now(), m.g.forget)
	for pid, p := range gv.procs {
		if len(want) == 0 || want[pid] {
			res = append(res, p.info)
		}
	}
	m.g.mu.Unlock()
	body.Res = &types.ListProcessesInGuestResponse{Returnval: res}
	return body
}

func (m *guestProcessManager) TerminateProcessInGuest(ctx *simulator.Context, req *types.TerminateProcessInGuest) soap.HasFault {
	body := &methods.TerminateProcessInGuestBody{}
	gv, fault := m.g.prepare(ctx, req.Vm, req.Auth)
	if fault == nil {
		m.g.mu.Lock()
		p := gv.procs[req.Pid]
		if p == nil || p.info.EndTime != nil {
			fault = &types.GuestProcessNotFound{Pid: req.Pid}
		} else {
			end := time.Now()
			p.info.EndTime = &end
			p.info.ExitCode = 1
			p.cancel()
		}
		m.g.mu.Unlock()
	}
	if fault != nil {
		body.Fault_ = simulator.Fault("", fault)
		return body
	}
	body.Res = &types.TerminateProcessInGuestResponse{}
	return body
}

func (m *guestProcessManager) ReadEnvironmentVariableInGuest(ctx *simulator.Context, req *types.ReadEnvironmentVariableInGuest) soap.HasFault {
	body := &methods.ReadEnvironmentVariableInGuestBody{}
	if _, fault := m.g.prepare(ctx, req.Vm, req.Auth); fault != nil {
		body.Fault_ = simulator.Fault("", fault)
		return body
	}
	env := guestEnv()
	var out []string
	for _, n := range req.Names {
		for k, v := range env {
			if strings.EqualFold(k, n) {
				out = append(out, k+"="+v)
			}
		}
	}
	if len(req.Names) == 0 {
		for k, v := range env {
			out = append(out, k+"="+v)
		}
	}
	body.Res = &types.ReadEnvironmentVariableInGuestResponse{Returnval: out}
	return body
}

func guestEnv() map[string]string {
	return map[string]string{"SystemRoot": `C:\Windows`, "TEMP": `C:\Users\Administrator\AppData\Local\Temp`,
		"USERNAME": "Administrator", "COMPUTERNAME": "WIN-VCSIM", "OS": "Windows_NT"}
}
