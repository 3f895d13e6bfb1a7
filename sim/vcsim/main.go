// Command vcsim-launcher runs VMware's vcsim (govmomi 0.24.2, VPX model) on a loopback
// port and adds what that version lacks for OVF export: VirtualMachine.ExportVm, an
// export HttpNfcLease (Progress, GetManifest, Complete, Abort, enforced timeout),
// OvfManager.CreateDescriptor and /nfc/ downloads with Range support; and a simulated
// Windows guest per VM for guest operations (guest*.go).
//
// It prints one JSON line on stdout when ready and removes its temporary folders on
// exit (SIGINT/SIGTERM, or stdin closing when started with -watch-stdin).
package main

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// config is what the flags set; tests in this package build it directly.
type config struct {
	Datacenters   int
	Hosts         int
	Clusters      int
	ClusterHosts  int
	VMs           int
	User          string
	Password      string
	Listen        string
	LeaseTimeout  time.Duration
	LeaseInit     time.Duration
	SessionIdle   time.Duration
	Trace         bool
	QuotedCookie  bool
	Manifest      string
	NfcResets     int
	NfcResetAfter int64
	// The simulated Windows guest (guest.go).
	GuestUser       string
	GuestPassword   string
	GuestToolsDelay time.Duration
	GuestForget     time.Duration
}

// datastoreInfo tells the caller where a datastore's files live on the local disk.
type datastoreInfo struct {
	Datacenter string `json:"datacenter"`
	Name       string `json:"name"`
	Path       string `json:"path"`
	Ref        string `json:"ref"`
}

// readyLine is the single JSON line printed once the simulator accepts requests.
type readyLine struct {
	URL                 string          `json:"url"`
	CACertPath          string          `json:"caCertPath"`
	Thumbprint          string          `json:"thumbprint"`
	ThumbprintSHA256    string          `json:"thumbprintSha256"`
	User                string          `json:"user"`
	Password            string          `json:"password"`
	Datacenters         []string        `json:"datacenters"`
	Datastores          []datastoreInfo `json:"datastores"`
	LeaseTimeoutSeconds int             `json:"leaseTimeoutSeconds"`
	Pid                 int             `json:"pid"`
	GuestUser           string          `json:"guestUser"`
	GuestPassword       string          `json:"guestPassword"`
	GuestToolsDelayMs   int64           `json:"guestToolsDelayMs"`
}

// launcher owns the model, the inner vcsim server and our own front listener.
type launcher struct {
	cfg    config
	model  *simulator.Model
	inner  *simulator.Server
	front  *http.Server
	ln     net.Listener
	url    *url.URL
	caFile string
	sha1   string
	sha256 string
	export *exporter
	guests *guests
}

func start(cfg config) (*launcher, error) {
	simulator.Trace = cfg.Trace
	if cfg.SessionIdle > 0 {
		simulator.SessionIdleTimeout = cfg.SessionIdle
	}
	m := simulator.VPX()
	m.Datacenter = cfg.Datacenters
	m.Host = cfg.Hosts
	m.Cluster = cfg.Clusters
	m.ClusterHost = cfg.ClusterHosts
	m.Machine = cfg.VMs
	if err := m.Create(); err != nil {
		m.Remove()
		return nil, fmt.Errorf("creating the vcsim model: %w", err)
	}
	l := &launcher{cfg: cfg, model: m}

	m.Service.TLS = new(tls.Config)
	m.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(cfg.User, cfg.Password)}
	l.inner = m.Service.NewServer()

	caFile, err := l.inner.CertificateFile()
	if err != nil {
		l.close()
		return nil, fmt.Errorf("writing the CA certificate file: %w", err)
	}
	l.caFile = caFile
	raw := l.inner.Certificate().Raw
	l.sha1 = colonHex(sha1Sum(raw))
	l.sha256 = colonHex(sha256Sum(raw))

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		l.close()
		return nil, fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	l.ln = ln
	host := ln.Addr().String()
	simulator.Map.SessionManager().ServiceHostName = host
	l.url = &url.URL{Scheme: "https", Host: host, Path: "/sdk"}

	installOvfManager(m)
	l.export = newExporter(m.Service.ServeMux, cfg.LeaseTimeout, cfg.LeaseInit, l.sha1, cfg.Manifest)
	l.export.resets.Store(int32(cfg.NfcResets))
	l.export.resetAfter = cfg.NfcResetAfter

	guestRoot, err := ioutil.TempDir("", "vcsim-guests-")
	if err != nil {
		l.close()
		return nil, fmt.Errorf("creating the guests' folder: %w", err)
	}
	l.guests = newGuests(guestRoot, cfg.GuestUser, cfg.GuestPassword, cfg.GuestToolsDelay, cfg.GuestForget)
	_, l.guests.port, _ = net.SplitHostPort(host)
	l.guests.install(m)
	self := *l.url
	self.User = url.UserPassword(cfg.User, cfg.Password)
	l.guests.self = &self

	var handler http.Handler = l.guests.wrap(l.export, cfg.User, cfg.Password)
	if cfg.QuotedCookie {
		handler = vcenterCookies(handler)
	}
	l.front = &http.Server{Handler: handler, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = l.front.Serve(tls.NewListener(ln, l.inner.TLS)) }()
	return l, nil
}

func (l *launcher) ready() readyLine {
	line := readyLine{
		URL:                 l.url.String(),
		CACertPath:          l.caFile,
		Thumbprint:          l.sha1,
		ThumbprintSHA256:    l.sha256,
		User:                l.cfg.User,
		Password:            l.cfg.Password,
		LeaseTimeoutSeconds: int(l.cfg.LeaseTimeout / time.Second),
		Pid:                 os.Getpid(),
		GuestUser:           l.cfg.GuestUser,
		GuestPassword:       l.cfg.GuestPassword,
		GuestToolsDelayMs:   int64(l.cfg.GuestToolsDelay / time.Millisecond),
	}
	for _, obj := range simulator.Map.All("Datacenter") {
		line.Datacenters = append(line.Datacenters, obj.Entity().Name)
	}
	for _, obj := range simulator.Map.All("Datastore") {
		ds := obj.(*simulator.Datastore)
		line.Datastores = append(line.Datastores, datastoreInfo{
			Datacenter: datacenterOf(ds.Self),
			Name:       ds.Name,
			Path:       ds.Info.GetDatastoreInfo().Url,
			Ref:        ds.Self.Value,
		})
	}
	sort.Strings(line.Datacenters)
	sort.Slice(line.Datastores, func(i, j int) bool {
		a, b := line.Datastores[i], line.Datastores[j]
		return a.Datacenter+"/"+a.Name < b.Datacenter+"/"+b.Name
	})
	return line
}

func (l *launcher) close() {
	if l.export != nil {
		l.export.stop()
	}
	if l.front != nil {
		_ = l.front.Close()
	}
	if l.guests != nil {
		l.guests.stop()
		_ = os.RemoveAll(l.guests.root)
	}
	if l.inner != nil {
		l.inner.Close()
	}
	if l.model != nil {
		l.model.Remove()
	}
}

// datacenterOf walks up the inventory to the datacenter's name.
func datacenterOf(ref types.ManagedObjectReference) string {
	for i := 0; i < 64; i++ {
		e, ok := simulator.Map.Get(ref).(mo.Entity)
		if !ok {
			return ""
		}
		if ref.Type == "Datacenter" {
			return e.Entity().Name
		}
		parent := e.Entity().Parent
		if parent == nil {
			return ""
		}
		ref = *parent
	}
	return ""
}

func sha1Sum(b []byte) []byte   { s := sha1.Sum(b); return s[:] }
func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(parts, ":")
}

func main() {
	cfg := config{}
	flag.IntVar(&cfg.Datacenters, "datacenters", 1, "number of datacenters (DC0, DC1, ...)")
	flag.IntVar(&cfg.Hosts, "hosts", 1, "standalone hosts per datacenter")
	flag.IntVar(&cfg.Clusters, "clusters", 0, "clusters per datacenter")
	flag.IntVar(&cfg.ClusterHosts, "cluster-hosts", 1, "hosts per cluster")
	flag.IntVar(&cfg.VMs, "vms", 1, "VMs per standalone host and per cluster")
	flag.StringVar(&cfg.User, "user", "administrator@vsphere.local", "the only user name Login accepts")
	flag.StringVar(&cfg.Password, "password", "Vcsim-Passw0rd!", "the only password Login accepts")
	flag.StringVar(&cfg.Listen, "listen", "127.0.0.1:0", "host:port of the HTTPS endpoint")
	leaseTimeout := flag.Int("lease-timeout", 300, "export lease timeout in seconds (vSphere: 300)")
	leaseInit := flag.Int("lease-init-ms", 100, "milliseconds an export lease stays 'initializing'")
	flag.DurationVar(&cfg.SessionIdle, "session-idle-timeout", 0, "expire idle sessions after this long (0: never)")
	flag.BoolVar(&cfg.Trace, "trace", false, "dump every SOAP request and response to stderr")
	flag.BoolVar(&cfg.QuotedCookie, "vcenter-cookie", false, "quote the session cookie as vCenter does and insist it comes back quoted")
	flag.IntVar(&cfg.NfcResets, "nfc-resets", 0, "fault injection: cut this many disk downloads short (see -nfc-reset-after)")
	flag.Int64Var(&cfg.NfcResetAfter, "nfc-reset-after", 0, "fault injection: bytes a cut download serves before its connection is dropped")
	flag.StringVar(&cfg.Manifest, "manifest", "sha256", "HttpNfcLeaseGetManifest hashes: sha256 (sha1 + sha256), sha1, or none (method missing, as before vSphere 6.7)")
	flag.StringVar(&cfg.GuestUser, "guest-user", "Administrator", "the guest account every VM's simulated Windows accepts")
	flag.StringVar(&cfg.GuestPassword, "guest-password", "Guest-Passw0rd!", "that account's password")
	flag.DurationVar(&cfg.GuestToolsDelay, "guest-tools-delay", time.Second, "VMware Tools run this long after power-on (and after a guest reboot)")
	flag.DurationVar(&cfg.GuestForget, "guest-process-forget", 5*time.Minute, "an ended guest process's record (exit code, end time) is dropped this long after its end, as Tools do")
	watchStdin := flag.Bool("watch-stdin", false, "exit when stdin closes (the parent process died)")
	flag.Parse()
	cfg.LeaseTimeout = time.Duration(*leaseTimeout) * time.Second
	cfg.LeaseInit = time.Duration(*leaseInit) * time.Millisecond

	log.SetOutput(io.Discard) // vcsim logs every fault; keep stderr for real problems
	if cfg.Trace {
		log.SetOutput(os.Stderr)
	}

	l, err := start(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vcsim-launcher: %v\n", err)
		os.Exit(1)
	}
	line, _ := json.Marshal(l.ready())
	fmt.Println(string(line))

	done := make(chan os.Signal, 1)
	signal.Notify(done, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			done <- syscall.SIGTERM
		}()
	}
	<-done
	l.close()
}
