package main

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// regKey is a registry key of the model; values by upper-case name ("" is the default value).
type regKey struct {
	name   string
	values map[string]regValue
}

type regValue struct{ name, typ, data string }

// regPath spells out the hive (HKLM -> HKEY_LOCAL_MACHINE) and drops a trailing backslash.
func regPath(k string) string {
	k = strings.TrimRight(strings.Trim(k, `"`), `\`)
	k = strings.Replace(k, ":", "", 1) // PowerShell's HKLM:\
	hive, rest, _ := strings.Cut(k, `\`)
	long := map[string]string{"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT",
		"HKU": "HKEY_USERS", "HKCC": "HKEY_CURRENT_CONFIG"}
	if l, ok := long[strings.ToUpper(hive)]; ok {
		hive = l
	}
	if rest == "" {
		return strings.ToUpper(hive)
	}
	return strings.ToUpper(hive) + `\` + rest
}

// setReg creates the key (and its value when name is non-nil) under guests.mu.
func (r *run) setReg(key string, name *string, typ, data string) {
	p := regPath(key)
	r.g.mu.Lock()
	defer r.g.mu.Unlock()
	k := r.gv.registry[strings.ToUpper(p)]
	if k == nil {
		k = &regKey{name: p, values: map[string]regValue{}}
		r.gv.registry[strings.ToUpper(p)] = k
	}
	if name != nil {
		if typ == "" {
			typ = "REG_SZ"
		}
		k.values[strings.ToUpper(*name)] = regValue{name: *name, typ: strings.ToUpper(typ), data: data}
	}
}

// argAfter returns the value after a /x or -x switch (case-insensitive) and whether it was there.
func argAfter(args []string, names ...string) (string, bool) {
	for i, a := range args {
		for _, n := range names {
			if strings.EqualFold(a, n) {
				if i+1 < len(args) {
					return args[i+1], true
				}
				return "", true
			}
		}
	}
	return "", false
}

// regExe models reg.exe add/query/delete on the VM's registry model.
func regExe(r *run, args []string, raw string) int {
	const notFound = "ERROR: The system was unable to find the specified registry key or value.\r\n"
	if len(args) < 2 {
		r.eprint("ERROR: Invalid syntax.\r\nType \"REG /?\" for usage.\r\n")
		return 1
	}
	key := regPath(args[1])
	name, hasName := argAfter(args, "/v")
	if _, ve := argAfter(args, "/ve"); ve {
		name, hasName = "", true
	}
	switch strings.ToLower(args[0]) {
	case "add":
		typ, _ := argAfter(args, "/t")
		data, _ := argAfter(args, "/d")
		if typ == "" {
			typ = "REG_SZ"
		}
		if strings.EqualFold(typ, "REG_DWORD") {
			n, err := strconv.ParseInt(data, 0, 64)
			if err != nil && data != "" {
				r.eprint("ERROR: Invalid syntax.\r\n")
				return 1
			}
			data = "0x" + strconv.FormatInt(n, 16)
		}
		if hasName {
			r.setReg(key, &name, typ, data)
		} else {
			r.setReg(key, nil, "", "")
		}
		r.print("The operation completed successfully.\r\n")
		return 0
	case "query":
		r.g.mu.Lock()
		k := r.gv.registry[strings.ToUpper(key)]
		var lines []string
		if k != nil {
			for _, v := range k.values {
				if !hasName || strings.EqualFold(v.name, name) {
					shown := v.name
					if shown == "" {
						shown = "(Default)"
					}
					lines = append(lines, "    "+shown+"    "+v.typ+"    "+v.data)
				}
			}
		}
		r.g.mu.Unlock()
		if k == nil || (hasName && len(lines) == 0) {
			r.eprint(notFound)
			return 1
		}
		sort.Strings(lines)
		r.print("\r\n" + k.name + "\r\n" + strings.Join(lines, "\r\n") + "\r\n\r\n")
		return 0
	case "delete":
		r.g.mu.Lock()
		defer r.g.mu.Unlock()
		k := r.gv.registry[strings.ToUpper(key)]
		if k == nil {
			r.eprint(notFound)
			return 1
		}
		if hasName {
			if _, ok := k.values[strings.ToUpper(name)]; !ok {
				r.eprint(notFound)
				return 1
			}
			delete(k.values, strings.ToUpper(name))
		} else {
			for p := range r.gv.registry {
				if p == strings.ToUpper(key) || strings.HasPrefix(p, strings.ToUpper(key)+`\`) {
					delete(r.gv.registry, p)
				}
			}
		}
		r.print("The operation completed successfully.\r\n")
		return 0
	}
	r.eprint("ERROR: Invalid syntax.\r\nType \"REG /?\" for usage.\r\n")
	return 1
}

// knownServices are the services sc.exe knows in the model (a fresh Windows Server's few
// that the procedure touches); their start type until changed.
var knownServices = map[string]string{"wuauserv": "demand", "usosvc": "auto", "waasmedicsvc": "demand",
	"bits": "delayed-auto", "trustedinstaller": "demand", "vmtools": "auto", "spooler": "auto"}

// scExe models `sc.exe config <svc> start= <type>` and `sc.exe qc <svc>`.
func scExe(r *run, args []string, raw string) int {
	if len(args) < 2 {
		r.eprint("[SC] Invalid syntax.\r\n")
		return 1639
	}
	svc := strings.ToLower(args[1])
	r.g.mu.Lock()
	defer r.g.mu.Unlock()
	start, known := r.gv.services[svc]
	if !known {
		start, known = knownServices[svc]
	}
	if !known {
		r.print("[SC] OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n\r\n")
		return 1060
	}
	switch strings.ToLower(args[0]) {
	case "config":
		v, ok := argAfter(args, "start=")
		switch strings.ToLower(v) {
		case "auto", "demand", "disabled", "delayed-auto", "boot", "system":
		default:
			ok = false
		}
		if !ok {
			r.print("[SC] ChangeServiceConfig FAILED 87:\r\n\r\nThe parameter is incorrect.\r\n\r\n")
			return 87
		}
		r.gv.services[svc] = strings.ToLower(v)
		r.print("[SC] ChangeServiceConfig SUCCESS\r\n")
		return 0
	case "qc":
		names := map[string]string{"auto": "2   AUTO_START", "delayed-auto": "2   AUTO_START  (DELAYED)",
			"demand": "3   DEMAND_START", "disabled": "4   DISABLED", "boot": "0   BOOT_START", "system": "1   SYSTEM_START"}
		r.print("[SC] QueryServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: " + args[1] + "\r\n        START_TYPE         : " + names[start] + "\r\n")
		return 0
	}
	r.eprint("[SC] Invalid syntax.\r\n")
	return 1639
}

// shutdownExe models shutdown.exe /s (power off) and /r (restart) after /t seconds
// (Windows' default: 30); /a aborts nothing here. The command itself ends with 0 at once.
func shutdownExe(r *run, args []string, raw string) int {
	var reboot bool
	switch {
	case hasSwitch(args, "/r"):
		reboot = true
	case hasSwitch(args, "/s"):
	default:
		r.eprint("The parameter is incorrect.(87)\r\n")
		return 87
	}
	delay := 30 * time.Second
	if t, ok := argAfter(args, "/t"); ok {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			r.eprint("The parameter is incorrect.(87)\r\n")
			return 87
		}
		delay = time.Duration(n) * time.Second
	}
	g, gv, pid := r.g, r.gv, r.pid
	go func() {
		t := time.NewTimer(delay + 100*time.Millisecond) // the program's own end is seen first
		defer t.Stop()
		select {
		case <-t.C:
		case <-g.stopc:
			return
		}
		if reboot {
			g.reboot(gv, -1)
		} else {
			g.powerOff(gv)
		}
	}()
	_ = pid
	return 0
}

func hasSwitch(args []string, s string) bool {
	for _, a := range args {
		if strings.EqualFold(a, s) || strings.EqualFold(a, "-"+s[1:]) {
			return true
		}
	}
	return false
}

// timeoutExe models timeout.exe /t N (N = -1 waits for ever: the hanging program).
func timeoutExe(r *run, args []string, raw string) int {
	t, _ := argAfter(args, "/t")
	if t == "" && len(args) > 0 {
		t = args[0]
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		r.eprint("ERROR: Invalid syntax. Default option is not allowed more than '1' time(s).\r\n")
		return 1
	}
	if !r.sleep(time.Duration(n) * time.Second) {
		return 1
	}
	return 0
}

// setupExe models the OS Machine Tools' Setup_x64.exe: it marks the tools installed in the
// model (and a registry value the client can query: HKLM\SOFTWARE\Citrix\AppLayering\OsMachineTools Installed=1).
func setupExe(r *run, args []string, raw string) int {
	name := "Installed"
	r.setReg(`HKLM\SOFTWARE\Citrix\AppLayering\OsMachineTools`, &name, "REG_DWORD", "0x1")
	r.g.mu.Lock()
	r.gv.toolsInstalled = true
	r.g.mu.Unlock()
	r.print("OS Machine Tools installed.\r\n")
	return 0
}

// unattendExe models Unattend.exe: it writes unattend.xml next to itself, holding its arguments.
func unattendExe(r *run, self, raw string) int {
	dir := self[:strings.LastIndex(self, `\`)]
	xml := "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<unattend xmlns=\"urn:schemas-microsoft-com:unattend\">\r\n" +
		"  <!-- vcsim model of Unattend.exe; arguments: " + strings.ReplaceAll(raw, "--", "- -") + " -->\r\n</unattend>\r\n"
	if err := r.writeFile(dir+`\unattend.xml`, xml, false); err != nil {
		r.eprint("Unattend: cannot write unattend.xml\r\n")
		return 1
	}
	return 0
}

// powershellExe models powershell.exe -File <script> [args] and -Command/-EncodedCommand
// <text> over a small subset (see README): exit N, Write-Output/Write-Host/echo,
// Set-Content/Add-Content/Get-Content, New-Item -ItemType Directory, Remove-Item,
// Start-Sleep, Set-Service -StartupType, Set-ItemProperty/New-ItemProperty on HKLM:\,
// and programs (the same as cmd.exe's). Anything else writes PowerShell's "not
// recognized" error; the exit code is then 1 unless an exit statement ran.
func powershellExe(r *run, args []string, raw string) int {
	var script string
	for i := 0; i < len(args); i++ {
		switch strings.ToLower(args[i]) {
		case "-file", "-f":
			if i+1 >= len(args) {
				r.eprint("Missing the argument to -File.\r\n")
				return 64
			}
			text, err := r.readFile(args[i+1])
			if err != nil {
				r.eprint("The argument '" + args[i+1] + "' to the -File parameter does not exist.\r\n")
				return 64 // PowerShell's exit code for a missing -File script
			}
			script = text
			i = len(args)
		case "-command", "-c":
			low := strings.ToLower(raw)
			j := strings.Index(low, strings.ToLower(args[i]))
			script = strings.Trim(strings.TrimSpace(raw[j+len(args[i]):]), `"`)
			i = len(args)
		case "-encodedcommand", "-enc", "-e":
			if i+1 >= len(args) {
				return 64
			}
			b, err := base64.StdEncoding.DecodeString(args[i+1])
			if err != nil || len(b)%2 != 0 {
				r.eprint("Cannot process the command because the value specified with -EncodedCommand is not properly encoded.\r\n")
				return 64
			}
			u := make([]uint16, len(b)/2)
			for k := range u {
				u[k] = uint16(b[2*k]) | uint16(b[2*k+1])<<8
			}
			script = string(utf16.Decode(u))
			i = len(args)
		case "-executionpolicy", "-windowstyle", "-inputformat", "-outputformat":
			i++
		}
	}
	if strings.HasPrefix(strings.TrimLeft(script, "\ufeff \r\n"), wuMarker) {
		return wuScript(r)
	}
	return r.powershell(script)
}
