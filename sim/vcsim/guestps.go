package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// psTokens splits a PowerShell statement: '...' and "..." group (quotes removed), spaces split.
func psTokens(s string) []string {
	var out []string
	var cur strings.Builder
	var q rune
	have := false
	for _, c := range s {
		switch {
		case q != 0 && c == q:
			q = 0
		case q != 0:
			cur.WriteRune(c)
		case c == '\'' || c == '"':
			q, have = c, true
		case c == ' ' || c == '\t':
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

// psStatements cuts a script at newlines and semicolons outside quotes; # comments dropped.
func psStatements(script string) []string {
	var out []string
	var cur strings.Builder
	var q rune
	comment := false
	for _, c := range script + "\n" {
		switch {
		case comment:
			if c == '\n' {
				comment = false
				out = append(out, cur.String())
				cur.Reset()
			}
		case q != 0:
			if c == q {
				q = 0
			}
			cur.WriteRune(c)
		case c == '\'' || c == '"':
			q = c
			cur.WriteRune(c)
		case c == '#':
			comment = true
		case c == '\n' || c == ';' || c == '\r':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(c)
		}
	}
	var kept []string
	for _, s := range out {
		if strings.TrimSpace(s) != "" {
			kept = append(kept, strings.TrimSpace(s))
		}
	}
	return kept
}

// psParam is -Name's value (or the positional argument at pos when absent; -1: none).
func psParam(toks []string, name string, pos int) (string, bool) {
	if v, ok := argAfter(toks, "-"+name); ok {
		return v, true
	}
	n := 0
	for i := 0; i < len(toks); i++ {
		if strings.HasPrefix(toks[i], "-") {
			i++
			continue
		}
		if n == pos {
			return toks[i], true
		}
		n++
	}
	return "", false
}

func (r *run) powershell(script string) int {
	failed := false
	for _, st := range psStatements(script) {
		if r.ctx.Err() != nil {
			return 1
		}
		toks := psTokens(st)
		if len(toks) == 0 {
			continue
		}
		cmd := strings.ToLower(toks[0])
		if cmd == "&" && len(toks) > 1 {
			toks = toks[1:]
			cmd = strings.ToLower(toks[0])
		}
		ok := true
		switch cmd {
		case "exit":
			if len(toks) > 1 {
				n, _ := strconv.Atoi(toks[1])
				return n
			}
			return 0
		case "write-output", "write-host", "echo":
			r.print(strings.Join(toks[1:], " ") + "\r\n")
		case "set-content", "add-content":
			p, _ := psParam(toks[1:], "Path", 0)
			v, _ := psParam(toks[1:], "Value", 1)
			ok = r.writeFile(p, v+"\r\n", cmd == "add-content") == nil
		case "get-content":
			p, _ := psParam(toks[1:], "Path", 0)
			text, err := r.readFile(p)
			ok = err == nil
			r.print(text)
		case "new-item":
			p, _ := psParam(toks[1:], "Path", 0)
			kind, _ := psParam(toks[1:], "ItemType", -1)
			hp, err := r.gv.hostPath(r.abs(p))
			if err == nil && strings.EqualFold(kind, "Directory") {
				err = os.MkdirAll(hp, 0o755)
			} else if err == nil {
				err = r.writeFile(p, "", false)
			}
			ok = err == nil
		case "remove-item":
			p, _ := psParam(toks[1:], "Path", 0)
			hp, err := r.gv.hostPath(r.abs(p))
			if err == nil {
				if _, err = os.Stat(hp); err == nil {
					err = os.RemoveAll(hp)
				}
			}
			ok = err == nil
		case "start-sleep":
			v, _ := psParam(toks[1:], "Seconds", 0)
			n, _ := strconv.Atoi(v)
			if !r.sleep(time.Duration(n) * time.Second) {
				return 1
			}
		case "set-service":
			name, _ := psParam(toks[1:], "Name", 0)
			start, _ := psParam(toks[1:], "StartupType", -1)
			m := map[string]string{"automatic": "auto", "manual": "demand", "disabled": "disabled"}
			c := r.child()
			ok = scExe(c, []string{"config", name, "start=", m[strings.ToLower(start)]}, "") == 0
		case "set-itemproperty", "new-itemproperty":
			p, _ := psParam(toks[1:], "Path", 0)
			name, _ := psParam(toks[1:], "Name", 1)
			v, _ := psParam(toks[1:], "Value", 2)
			typ, _ := psParam(toks[1:], "Type", -1)
			if typ == "" {
				typ, _ = psParam(toks[1:], "PropertyType", -1)
			}
			regType := "REG_SZ"
			if strings.EqualFold(typ, "DWord") {
				n, _ := strconv.ParseInt(v, 0, 64)
				regType, v = "REG_DWORD", "0x"+strconv.FormatInt(n, 16)
			}
			r.setReg(p, &name, regType, v)
		case "$erroractionpreference", "$progresspreference":
		default:
			prog, fault := r.gv.resolve(toks[0])
			if fault != nil {
				r.eprint(toks[0] + " : The term '" + toks[0] + "' is not recognized as the name of a cmdlet, function, script file, or operable program.\r\n")
				failed = true
				continue
			}
			c := r.child()
			rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(st, "&"), " "))
			rest = strings.TrimSpace(rest[len(strings.SplitN(rest, " ", 2)[0]):])
			code := prog(c, toks[1:], rest)
			r.print(c.out.String())
			r.eprint(c.err.String())
			failed = code != 0
			continue
		}
		if !ok {
			r.eprint(toks[0] + " : the operation failed on '" + st + "'.\r\n")
			failed = true
		}
	}
	if failed {
		return 1
	}
	return 0
}
