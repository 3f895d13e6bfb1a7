package main

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/vmware/govmomi/simulator"
)

// serveControl is POST /guestControl?vm=<name>&action=...: faults a test injects into a
// VM's guest. Basic auth with the launcher's vSphere user and password.
//
//	tools-stop    Tools stop (GuestOperationsUnavailable) until tools-start
//	tools-start   Tools run again (after the usual delay if the VM just booted)
//	reboot        a guest reboot now: processes forgotten, Tools back after the delay
//	hang          &program=<file name>: that program never ends (until TerminateProcessInGuest)
//	unhang        &program=<file name>: it runs normally again
func (g *guests) serveControl(w http.ResponseWriter, r *http.Request, user, password string) {
	u, p, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(user)) != 1 || subtle.ConstantTimeCompare([]byte(p), []byte(password)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="vcsim-launcher"`)
		http.Error(w, "guestControl needs the launcher's user and password (basic auth)", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "guestControl takes POST", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	if g.pkgControl(w, q) {
		return
	}
	var gv *guestVM
	for _, obj := range simulator.Map.All("VirtualMachine") {
		if obj.Entity().Name == q.Get("vm") {
			g.mu.Lock()
			gv = g.vms[obj.Reference().Value]
			g.mu.Unlock()
		}
	}
	if gv == nil {
		http.Error(w, "no VM named "+q.Get("vm")+" (parameter vm)", http.StatusNotFound)
		return
	}
	prog := strings.ToLower(q.Get("program"))
	switch q.Get("action") {
	case "tools-stop", "tools-start":
		g.mu.Lock()
		gv.toolsHeld = q.Get("action") == "tools-stop"
		g.mu.Unlock()
		g.tick()
	case "reboot":
		g.reboot(gv, -1)
	case "hang", "unhang":
		if prog == "" {
			http.Error(w, "hang needs program=<file name>, e.g. setup_x64.exe", http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		if q.Get("action") == "hang" {
			gv.hang[prog] = true
		} else {
			delete(gv.hang, prog)
		}
		g.mu.Unlock()
	default:
		http.Error(w, "action must be tools-stop, tools-start, reboot, hang or unhang", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
