package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

// maxProgramOutput bounds what a modelled program keeps of its stdout/stderr.
const maxProgramOutput = 1 << 20

// program is a modelled Windows program: it reads args, acts on the guest, writes to r.out
// and r.err, and returns its exit code. raw is the argument string as StartProgram gave it.
type program func(r *run, args []string, raw string) int

// run is one program's context: its guest, cancellation and output.
type run struct {
	g        *guests
	gv       *guestVM
	ctx      context.Context
	pid      int64
	cwd      string
	out, err strings.Builder
	vars     map[string]string // cmd.exe's environment (set)
	exited   bool              // exit / exit /b ran
}

func (r *run) print(s string) {
	if r.out.Len() < maxProgramOutput {
		r.out.WriteString(s)
	}
}

func (r *run) eprint(s string) {
	if r.err.Len() < maxProgramOutput {
		r.err.WriteString(s)
	}
}

func (r *run) child() *run {
	return &run{g: r.g, gv: r.gv, ctx: r.ctx, pid: r.pid, cwd: r.cwd, vars: r.vars}
}

// abs makes a guest path absolute against the working directory.
func (r *run) abs(p string) string {
	p = strings.Trim(p, `"`)
	if len(p) >= 2 && p[1] == ':' {
		return p
	}
	return strings.TrimRight(r.cwd, `\`) + `\` + p
}

// writeFile writes (or appends) data to a guest file; a missing folder fails as on Windows.
func (r *run) writeFile(win, data string, appendTo bool) error {
	if strings.EqualFold(strings.Trim(win, `"`), "nul") {
		return nil // the NUL device
	}
	p, err := r.gv.hostPath(r.abs(win))
	if err != nil {
		return err
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if appendTo {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(p, flags, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *run) readFile(win string) (string, error) {
	p, err := r.gv.hostPath(r.abs(win))
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	if fi.Size() > maxProgramOutput {
		return "", fmt.Errorf("%s is larger than the model reads", win)
	}
	b, err := os.ReadFile(p)
	return string(b), err
}

// sleep waits d or until the process is ended; false when ended.
func (r *run) sleep(d time.Duration) bool {
	if d < 0 {
		<-r.ctx.Done()
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// builtins are the programs found in C:\Windows\System32 (by name, any folder under C:\Windows).
var builtins map[string]program

func init() {
	builtins = map[string]program{"cmd": cmdExe, "reg": regExe, "sc": scExe, "shutdown": shutdownExe,
		"timeout": timeoutExe, "powershell": powershellExe}
}

// resolve finds the model of a program path: System32 programs by name, Setup_x64.exe,
// Unattend.exe, .cmd/.bat scripts; any other existing file exits 9009. A missing file is
// StartProgramInGuest's FileNotFound, as on ESXi.
func (gv *guestVM) resolve(path string) (program, types.BaseMethodFault) {
	win := strings.ReplaceAll(strings.Trim(path, `"`), "/", `\`)
	base := strings.ToLower(win[strings.LastIndex(win, `\`)+1:])
	name := strings.TrimSuffix(base, ".exe")
	underWindows := !strings.Contains(win, `\`) || strings.HasPrefix(strings.ToLower(win), `c:\windows\`)
	if p, ok := builtins[name]; ok && underWindows {
		return p, nil
	}
	if !strings.Contains(win, `\`) {
		return nil, &types.FileNotFound{FileFault: types.FileFault{File: path}}
	}
	hp, err := gv.hostPath(win)
	if err != nil {
		return nil, &types.InvalidArgument{InvalidProperty: "spec.programPath"}
	}
	if fi, err := os.Stat(hp); err != nil || fi.IsDir() {
		return nil, &types.FileNotFound{FileFault: types.FileFault{File: path}}
	}
	switch {
	case base == "shutdownforfinalize.cmd":
		return finalizeCmd, nil
	case base == "uniservice.exe":
		return uniserviceExe, nil
	case base == "ngen.exe":
		return ngenExe, nil
	case base == "setup_x64.exe":
		return setupExe, nil
	case base == "unattend.exe":
		return func(r *run, args []string, raw string) int { return unattendExe(r, win, raw) }, nil
	case strings.HasSuffix(base, ".cmd") || strings.HasSuffix(base, ".bat"):
		return func(r *run, args []string, raw string) int { return r.batch(win, args) }, nil
	}
	return func(r *run, args []string, raw string) int { return 9009 }, nil
}

// splitArgs splits a Windows command line as the C runtime does (quotes group, are removed).
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	in, have := false, false
	for _, c := range s {
		switch {
		case c == '"':
			in = !in
			have = true
		case (c == ' ' || c == '\t') && !in:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(c)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

// cmdExe models cmd.exe /c (or /k) <command line>: echo, exit [/b] N, type, mkdir, del,
// set, rem, chained with &, && and ||, redirected with >, >>, 2> and 2>&1; %VAR% and
// %ERRORLEVEL% are expanded when the line is read, as cmd does.
func cmdExe(r *run, args []string, raw string) int {
	low := strings.ToLower(raw)
	i := strings.Index(low, "/c")
	if i < 0 {
		i = strings.Index(low, "/k")
	}
	if i < 0 {
		return 0 // an interactive cmd.exe with no console ends at once
	}
	line := strings.TrimSpace(raw[i+2:])
	if len(line) >= 2 && line[0] == '"' && line[len(line)-1] == '"' {
		line = line[1 : len(line)-1]
	}
	if r.vars == nil {
		r.vars = guestEnv()
	}
	return r.cmdLine(line, 0)
}

// batch runs a .cmd/.bat file line by line (no labels, goto or if: not modelled).
func (r *run) batch(win string, args []string) int {
	text, err := r.readFile(win)
	if err != nil {
		r.eprint("The system cannot find the path specified.\r\n")
		return 1
	}
	if r.vars == nil {
		r.vars = guestEnv()
	}
	code := 0
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "@"))
		if line == "" || strings.HasPrefix(line, "::") || strings.EqualFold(line, "echo off") {
			continue
		}
		for n, a := range args {
			line = strings.ReplaceAll(line, "%"+strconv.Itoa(n+1), a)
		}
		code = r.cmdLine(line, code)
		if r.exited || r.ctx.Err() != nil {
			break
		}
	}
	return code
}

// cmdLine runs one line: expansion, then its chain of commands.
func (r *run) cmdLine(line string, code int) int {
	line = r.expand(line, code)
	parts, ops := splitChain(line)
	for n, part := range parts {
		if n > 0 {
			if (ops[n-1] == "&&" && code != 0) || (ops[n-1] == "||" && code == 0) {
				continue
			}
		}
		code = r.simple(part)
		if r.exited || r.ctx.Err() != nil {
			break
		}
	}
	return code
}

func (r *run) expand(line string, code int) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(line, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(line[i+1:], '%')
		if j < 0 {
			break
		}
		name := line[i+1 : i+1+j]
		val, ok := "", false
		if strings.EqualFold(name, "ERRORLEVEL") {
			val, ok = strconv.Itoa(code), true
		} else {
			for k, v := range r.vars {
				if strings.EqualFold(k, name) {
					val, ok = v, true
				}
			}
		}
		b.WriteString(line[:i])
		if ok {
			b.WriteString(val)
		} else {
			b.WriteString(line[i : i+2+j])
		}
		line = line[i+2+j:]
	}
	b.WriteString(line)
	return b.String()
}

// splitChain cuts a line at &, && and || outside quotes.
func splitChain(line string) ([]string, []string) {
	var parts, ops []string
	in, start := false, 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '"' {
			in = !in
		}
		if in {
			continue
		}
		if c == '&' && i > 0 && line[i-1] == '>' { // 2>&1
			continue
		}
		if c == '&' || (c == '|' && i+1 < len(line) && line[i+1] == '|') {
			op := string(c)
			if i+1 < len(line) && line[i+1] == c {
				op += string(c)
			}
			parts = append(parts, line[start:i])
			ops = append(ops, op)
			i += len(op) - 1
			start = i + 1
		}
	}
	return append(parts, line[start:]), ops
}

type redirect struct {
	fd     int // 1 or 2
	target string
	append bool
	toOut  bool // 2>&1
}

// cutRedirects removes > >> 2> 2>&1 from a command and returns them in order.
func cutRedirects(s string) (string, []redirect) {
	var b strings.Builder
	var rs []redirect
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			in = !in
		}
		if c != '>' || in {
			b.WriteByte(c)
			continue
		}
		rd := redirect{fd: 1}
		if cur := b.String(); len(cur) > 0 && (cur[len(cur)-1] == '1' || cur[len(cur)-1] == '2') &&
			(len(cur) == 1 || cur[len(cur)-2] == ' ') {
			rd.fd = int(cur[len(cur)-1] - '0')
			b.Reset()
			b.WriteString(cur[:len(cur)-1])
		}
		i++
		if i < len(s) && s[i] == '>' {
			rd.append = true
			i++
		}
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if strings.HasPrefix(s[i:], "&1") {
			rd.toOut = true
			i += 1
		} else {
			j := i
			q := false
			for j < len(s) && (q || (s[j] != ' ' && s[j] != '>')) {
				if s[j] == '"' {
					q = !q
				}
				j++
			}
			rd.target = strings.Trim(s[i:j], `"`)
			i = j - 1
		}
		rs = append(rs, rd)
	}
	return b.String(), rs
}

// simple runs one command and applies its redirections.
func (r *run) simple(text string) int {
	cmd, rs := cutRedirects(strings.TrimLeft(text, " "))
	c := r.child()
	code := c.builtin(cmd)
	r.exited = r.exited || c.exited
	out, errText := c.out.String(), c.err.String()
	for _, rd := range rs {
		if rd.fd == 2 && rd.toOut {
			out, errText = out+errText, ""
			continue
		}
		data := out
		if rd.fd == 2 {
			data = errText
		}
		if err := r.writeFile(rd.target, data, rd.append); err != nil {
			r.eprint("The system cannot find the path specified.\r\n")
			return 1
		}
		if rd.fd == 2 {
			errText = ""
		} else {
			out = ""
		}
	}
	r.print(out)
	r.eprint(errText)
	return code
}

// builtin runs cmd's own commands, or a program.
func (r *run) builtin(cmd string) int {
	trimmed := strings.TrimSpace(cmd)
	if trimmed == "" {
		return 0
	}
	word := trimmed
	rest := ""
	if strings.HasPrefix(trimmed, `"`) {
		// A quoted program path may hold spaces ("C:\Program Files\...\x.exe" -L), as cmd allows.
		if j := strings.Index(trimmed[1:], `"`); j >= 0 {
			word, rest = trimmed[1:j+1], strings.TrimLeft(trimmed[j+2:], " \t")
		}
	} else if i := strings.IndexAny(trimmed, " \t"); i >= 0 {
		word, rest = trimmed[:i], strings.TrimLeft(trimmed[i:], " \t")
	}
	args := splitArgs(rest)
	switch strings.ToLower(word) {
	case "rem":
		return 0
	case "echo.":
		r.print("\r\n")
		return 0
	case "echo":
		text := strings.TrimPrefix(strings.TrimLeft(cmd, " "), word)
		if strings.TrimSpace(text) == "" {
			r.print("ECHO is on.\r\n")
		} else {
			r.print(text[1:] + "\r\n") // cmd keeps the text up to the redirection, spaces included
		}
		return 0
	case "exit":
		r.exited = true
		if len(args) > 0 && strings.EqualFold(args[0], "/b") {
			args = args[1:]
		}
		if len(args) == 0 {
			return 0
		}
		n, _ := strconv.Atoi(args[0])
		return n
	case "set":
		if k, v, ok := strings.Cut(rest, "="); ok {
			r.vars[k] = v
		}
		return 0
	case "type":
		if len(args) == 0 {
			r.eprint("The syntax of the command is incorrect.\r\n")
			return 1
		}
		text, err := r.readFile(args[0])
		if err != nil {
			r.eprint("The system cannot find the file specified.\r\n")
			return 1
		}
		r.print(text)
		return 0
	case "mkdir", "md":
		if len(args) == 0 {
			r.eprint("The syntax of the command is incorrect.\r\n")
			return 1
		}
		p, err := r.gv.hostPath(r.abs(args[0]))
		if err == nil {
			if _, serr := os.Stat(p); serr == nil {
				r.eprint("A subdirectory or file " + args[0] + " already exists.\r\n")
				return 1
			}
			err = os.MkdirAll(p, 0o755)
		}
		if err != nil {
			r.eprint("The system cannot find the path specified.\r\n")
			return 1
		}
		return 0
	case "del", "erase":
		for _, a := range args {
			if strings.HasPrefix(a, "/") {
				continue
			}
			p, err := r.gv.hostPath(r.abs(a))
			if err == nil {
				err = os.Remove(p)
			}
			if err != nil {
				r.eprint("Could Not Find " + r.abs(a) + "\r\n")
			}
		}
		return 0 // del's exit code is 0 even when the file is missing
	}
	prog, fault := r.gv.resolve(word)
	if fault != nil {
		if p, err := r.gv.hostPath(r.abs(word)); err == nil && filepath.IsAbs(p) && !strings.Contains(word, `\`) {
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				prog, fault = r.gv.resolve(r.abs(word))
			}
		}
	}
	if fault != nil {
		r.eprint("'" + strings.Trim(word, `"`) + "' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n")
		return 9009
	}
	code := prog(r, args, rest)
	// An exit inside another program (cmd.exe /c x.cmd) ends that process, not this script.
	r.exited = false
	return code
}
