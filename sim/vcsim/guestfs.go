package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// maxGuestUpload bounds one PUT to the guest (the model lives on the launcher's temp disk).
const maxGuestUpload = 1 << 30

// hostPath maps a Windows path (C:\a\b or C:/a/b, any case) to the guest's folder. Existing
// names are matched case-insensitively, so C:\WINDOWS and C:\Windows are one folder.
func (gv *guestVM) hostPath(win string) (string, error) {
	p := strings.ReplaceAll(win, "/", `\`)
	if len(p) < 2 || p[1] != ':' || !((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) {
		return "", fmt.Errorf("not an absolute Windows path: %q", win)
	}
	cur := filepath.Join(gv.dir, strings.ToLower(p[:1]))
	for _, part := range strings.Split(p[2:], `\`) {
		if part == "" || part == "." {
			continue
		}
		if part == ".." || strings.ContainsAny(part, "<>:\"|?*\x00") {
			return "", fmt.Errorf("invalid path component %q in %q", part, win)
		}
		name := part
		if entries, err := os.ReadDir(cur); err == nil {
			for _, e := range entries {
				if strings.EqualFold(e.Name(), part) {
					name = e.Name()
					break
				}
			}
		}
		cur = filepath.Join(cur, name)
	}
	return cur, nil
}

// winPath is the reverse of hostPath, for paths the guest reports.
func (gv *guestVM) winPath(host string) string {
	rel, _ := filepath.Rel(gv.dir, host)
	parts := strings.Split(filepath.ToSlash(rel), "/")
	out := strings.ToUpper(parts[0]) + `:\` + strings.Join(parts[1:], `\`)
	return out
}

func fileFault(err error, win string) types.BaseMethodFault {
	switch {
	case os.IsNotExist(err):
		return &types.FileNotFound{FileFault: types.FileFault{File: win}}
	case os.IsExist(err):
		return &types.FileAlreadyExists{FileFault: types.FileFault{File: win}}
	default:
		return &types.GuestPermissionDenied{}
	}
}

type guestFileManager struct {
	mo.GuestFileManager
	g *guests
}

func (m *guestFileManager) MakeDirectoryInGuest(ctx *simulator.Context, req *types.MakeDirectoryInGuest) soap.HasFault {
	body := &methods.MakeDirectoryInGuestBody{}
	body.Fault_ = m.do(ctx, req.Vm, req.Auth, req.DirectoryPath, func(gv *guestVM, p string) types.BaseMethodFault {
		if _, err := os.Stat(p); err == nil {
			return &types.FileAlreadyExists{FileFault: types.FileFault{File: req.DirectoryPath}}
		}
		var err error
		if req.CreateParentDirectories {
			err = os.MkdirAll(p, 0o755)
		} else {
			err = os.Mkdir(p, 0o755)
		}
		if err != nil {
			return fileFault(err, req.DirectoryPath)
		}
		return nil
	})
	if body.Fault_ == nil {
		body.Res = &types.MakeDirectoryInGuestResponse{}
	}
	return body
}

func (m *guestFileManager) DeleteFileInGuest(ctx *simulator.Context, req *types.DeleteFileInGuest) soap.HasFault {
	body := &methods.DeleteFileInGuestBody{}
	body.Fault_ = m.do(ctx, req.Vm, req.Auth, req.FilePath, func(gv *guestVM, p string) types.BaseMethodFault {
		fi, err := os.Stat(p)
		if err != nil {
			return fileFault(err, req.FilePath)
		}
		if fi.IsDir() {
			return &types.NotAFile{FileFault: types.FileFault{File: req.FilePath}}
		}
		if err := os.Remove(p); err != nil {
			return fileFault(err, req.FilePath)
		}
		return nil
	})
	if body.Fault_ == nil {
		body.Res = &types.DeleteFileInGuestResponse{}
	}
	return body
}

func (m *guestFileManager) DeleteDirectoryInGuest(ctx *simulator.Context, req *types.DeleteDirectoryInGuest) soap.HasFault {
	body := &methods.DeleteDirectoryInGuestBody{}
	body.Fault_ = m.do(ctx, req.Vm, req.Auth, req.DirectoryPath, func(gv *guestVM, p string) types.BaseMethodFault {
		fi, err := os.Stat(p)
		if err != nil {
			return fileFault(err, req.DirectoryPath)
		}
		if !fi.IsDir() {
			return &types.NotADirectory{FileFault: types.FileFault{File: req.DirectoryPath}}
		}
		if req.Recursive {
			err = os.RemoveAll(p)
		} else if entries, _ := os.ReadDir(p); len(entries) > 0 {
			return &types.DirectoryNotEmpty{FileFault: types.FileFault{File: req.DirectoryPath}}
		} else {
			err = os.Remove(p)
		}
		if err != nil {
			return fileFault(err, req.DirectoryPath)
		}
		return nil
	})
	if body.Fault_ == nil {
		body.Res = &types.DeleteDirectoryInGuestResponse{}
	}
	return body
}

func (m *guestFileManager) ListFilesInGuest(ctx *simulator.Context, req *types.ListFilesInGuest) soap.HasFault {
	body := &methods.ListFilesInGuestBody{}
	var res types.GuestListFileInfo
	body.Fault_ = m.do(ctx, req.Vm, req.Auth, req.FilePath, func(gv *guestVM, p string) types.BaseMethodFault {
		fi, err := os.Stat(p)
		if err != nil {
			return fileFault(err, req.FilePath)
		}
		pattern := req.MatchPattern
		if pattern == "" {
			pattern = ".*"
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return &types.InvalidArgument{InvalidProperty: "matchPattern"}
		}
		var infos []os.FileInfo
		if fi.IsDir() {
			entries, err := os.ReadDir(p)
			if err != nil {
				return fileFault(err, req.FilePath)
			}
			for _, e := range entries {
				if i, err := e.Info(); err == nil && re.MatchString(e.Name()) {
					infos = append(infos, i)
				}
			}
		} else {
			infos = []os.FileInfo{fi}
		}
		sort.Slice(infos, func(i, j int) bool { return strings.ToLower(infos[i].Name()) < strings.ToLower(infos[j].Name()) })
		start := int(req.Index)
		if start > len(infos) {
			start = len(infos)
		}
		infos = infos[start:]
		if max := int(req.MaxResults); max > 0 && len(infos) > max {
			res.Remaining = int32(len(infos) - max)
			infos = infos[:max]
		}
		for _, i := range infos {
			res.Files = append(res.Files, guestFileInfo(i.Name(), i))
		}
		return nil
	})
	if body.Fault_ == nil {
		body.Res = &types.ListFilesInGuestResponse{Returnval: res}
	}
	return body
}

func guestFileInfo(name string, i os.FileInfo) types.GuestFileInfo {
	kind := "file"
	if i.IsDir() {
		kind = "directory"
	}
	mt := i.ModTime()
	return types.GuestFileInfo{Path: name, Type: kind, Size: i.Size(),
		Attributes: &types.GuestWindowsFileAttributes{GuestFileAttributes: types.GuestFileAttributes{ModificationTime: &mt, AccessTime: &mt},
			CreateTime: &mt}}
}

func (m *guestFileManager) CreateTemporaryFileInGuest(ctx *simulator.Context, req *types.CreateTemporaryFileInGuest) soap.HasFault {
	body := &methods.CreateTemporaryFileInGuestBody{}
	var out string
	body.Fault_ = m.temp(ctx, req.Vm, req.Auth, req.DirectoryPath, req.Prefix, req.Suffix, false, &out)
	if body.Fault_ == nil {
		body.Res = &types.CreateTemporaryFileInGuestResponse{Returnval: out}
	}
	return body
}

func (m *guestFileManager) CreateTemporaryDirectoryInGuest(ctx *simulator.Context, req *types.CreateTemporaryDirectoryInGuest) soap.HasFault {
	body := &methods.CreateTemporaryDirectoryInGuestBody{}
	var out string
	body.Fault_ = m.temp(ctx, req.Vm, req.Auth, req.DirectoryPath, req.Prefix, req.Suffix, true, &out)
	if body.Fault_ == nil {
		body.Res = &types.CreateTemporaryDirectoryInGuestResponse{Returnval: out}
	}
	return body
}

// temp makes <dir>\<prefix><random><suffix>; the default dir is the account's %TEMP%.
func (m *guestFileManager) temp(ctx *simulator.Context, ref types.ManagedObjectReference, auth types.BaseGuestAuthentication,
	dir, prefix, suffix string, isDir bool, out *string) *soap.Fault {
	if dir == "" {
		dir = `C:\Users\Administrator\AppData\Local\Temp`
	}
	return m.do(ctx, ref, auth, dir, func(gv *guestVM, p string) types.BaseMethodFault {
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			return &types.FileNotFound{FileFault: types.FileFault{File: dir}}
		}
		name := filepath.Join(p, prefix+randomHex(4)+suffix)
		var err error
		if isDir {
			err = os.Mkdir(name, 0o755)
		} else {
			var f *os.File
			if f, err = os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644); err == nil {
				err = f.Close()
			}
		}
		if err != nil {
			return fileFault(err, dir)
		}
		*out = gv.winPath(name)
		return nil
	})
}

// do runs f on the host path of win after the usual guest-operation checks.
func (m *guestFileManager) do(ctx *simulator.Context, ref types.ManagedObjectReference, auth types.BaseGuestAuthentication,
	win string, f func(gv *guestVM, p string) types.BaseMethodFault) *soap.Fault {
	gv, fault := m.g.prepare(ctx, ref, auth)
	if fault == nil {
		p, err := gv.hostPath(win)
		if err != nil {
			fault = &types.InvalidArgument{InvalidProperty: win}
		} else {
			fault = f(gv, p)
		}
	}
	if fault != nil {
		return simulator.Fault("", fault)
	}
	return nil
}

// transfer is one URL handed out by InitiateFileTransfer{To,From}Guest; single use, 5 minutes.
type transfer struct {
	host      string
	upload    bool
	overwrite bool
	size      int64
	expires   time.Time
}

func (g *guests) newTransfer(t *transfer) string {
	id := randomHex(16)
	t.expires = time.Now().Add(5 * time.Minute)
	g.mu.Lock()
	g.transfers[id] = t
	g.mu.Unlock()
	// ESXi answers with a "*" host; the client puts in the host it connected to.
	return (&url.URL{Scheme: "https", Host: "*:" + g.port, Path: "/guestFile",
		RawQuery: url.Values{"id": {id}, "token": {randomHex(8)}}.Encode()}).String()
}

func (m *guestFileManager) InitiateFileTransferToGuest(ctx *simulator.Context, req *types.InitiateFileTransferToGuest) soap.HasFault {
	body := &methods.InitiateFileTransferToGuestBody{}
	var u string
	body.Fault_ = m.do(ctx, req.Vm, req.Auth, req.GuestFilePath, func(gv *guestVM, p string) types.BaseMethodFault {
		if fi, err := os.Stat(p); err == nil {
			if fi.IsDir() {
				return &types.NotAFile{FileFault: types.FileFault{File: req.GuestFilePath}}
			}
			if !req.Overwrite {
				return &types.FileAlreadyExists{FileFault: types.FileFault{File: req.GuestFilePath}}
			}
		}
		if fi, err := os.Stat(filepath.Dir(p)); err != nil || !fi.IsDir() {
			return &types.FileNotFound{FileFault: types.FileFault{File: req.GuestFilePath}}
		}
		u = m.g.newTransfer(&transfer{host: p, upload: true, overwrite: req.Overwrite, size: req.FileSize})
		return nil
	})
	if body.Fault_ == nil {
		body.Res = &types.InitiateFileTransferToGuestResponse{Returnval: u}
	}
	return body
}

func (m *guestFileManager) InitiateFileTransferFromGuest(ctx *simulator.Context, req *types.InitiateFileTransferFromGuest) soap.HasFault {
	body := &methods.InitiateFileTransferFromGuestBody{}
	var info types.FileTransferInformation
	body.Fault_ = m.do(ctx, req.Vm, req.Auth, req.GuestFilePath, func(gv *guestVM, p string) types.BaseMethodFault {
		fi, err := os.Stat(p)
		if err != nil {
			return fileFault(err, req.GuestFilePath)
		}
		if fi.IsDir() {
			return &types.NotAFile{FileFault: types.FileFault{File: req.GuestFilePath}}
		}
		gi := guestFileInfo(fi.Name(), fi)
		info = types.FileTransferInformation{Attributes: gi.Attributes, Size: fi.Size(),
			Url: m.g.newTransfer(&transfer{host: p, size: fi.Size()})}
		return nil
	})
	if body.Fault_ == nil {
		body.Res = &types.InitiateFileTransferFromGuestResponse{Returnval: info}
	}
	return body
}

// serveTransfer is PUT/GET /guestFile?id=...: the guest file behind a handed-out URL.
func (g *guests) serveTransfer(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	g.mu.Lock()
	t := g.transfers[id]
	delete(g.transfers, id)
	g.mu.Unlock()
	if t == nil || time.Now().After(t.expires) {
		http.Error(w, "unknown or expired guest file transfer", http.StatusNotFound)
		return
	}
	switch {
	case r.Method == http.MethodPut && t.upload:
		flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if !t.overwrite {
			flags |= os.O_EXCL
		}
		f, err := os.OpenFile(t.host, flags, 0o644)
		if err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		n, err := io.Copy(f, io.LimitReader(r.Body, maxGuestUpload+1))
		cerr := f.Close()
		if err == nil && n > maxGuestUpload {
			err = fmt.Errorf("upload larger than %d bytes", maxGuestUpload)
		}
		if err != nil || cerr != nil {
			_ = os.Remove(t.host)
			http.Error(w, "upload failed", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodGet && !t.upload:
		f, err := os.Open(t.host)
		if err != nil {
			http.Error(w, "guest file gone", http.StatusNotFound)
			return
		}
		defer f.Close()
		fi, _ := f.Stat()
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "", fi.ModTime(), f)
	default:
		http.Error(w, "method not allowed for this transfer", http.StatusMethodNotAllowed)
	}
}

// wrap puts /guestFile in front of the rest (vcsim's own /guestFile/ handler needs Docker).
func (g *guests) wrap(next http.Handler, user, password string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/guestFile" {
			g.serveTransfer(w, r)
			return
		}
		if r.URL.Path == "/guestControl" {
			g.serveControl(w, r, user, password)
			return
		}
		next.ServeHTTP(w, r)
	})
}
