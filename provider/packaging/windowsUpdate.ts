/**
 * The Windows Update round the provider runs in the packaging machine: the WU COM API (no module
 * to install, no network path to the guest), installing what applies now and printing one JSON
 * line. Its first line is a marker the vcsim launcher recognises to model it (sim/vcsim/guestpkg.go).
 */
export const WU_MARKER = "# applayering:windows-update v1";

export const WU_SCRIPT = `${WU_MARKER}
$ErrorActionPreference = 'Stop'
$session = New-Object -ComObject Microsoft.Update.Session
$searcher = $session.CreateUpdateSearcher()
$found = $searcher.Search("IsInstalled=0 and IsHidden=0 and Type='Software'").Updates
$toInstall = New-Object -ComObject Microsoft.Update.UpdateColl
foreach ($u in $found) { if (-not $u.EulaAccepted) { $u.AcceptEula() }; [void]$toInstall.Add($u) }
$installed = @(); $reboot = $false
if ($toInstall.Count -gt 0) {
  $dl = $session.CreateUpdateDownloader(); $dl.Updates = $toInstall; [void]$dl.Download()
  $inst = $session.CreateUpdateInstaller(); $inst.Updates = $toInstall; $res = $inst.Install()
  $reboot = $res.RebootRequired
  for ($i = 0; $i -lt $toInstall.Count; $i++) {
    if ($res.GetUpdateResult($i).ResultCode -eq 2) { $installed += ($toInstall.Item($i).KBArticleIDs | ForEach-Object { "KB$_" }) }
  }
}
$pending = Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired'
$left = $found.Count - $installed.Count
Write-Output (@{ installed = @($installed); rebootRequired = ($reboot -or $pending); remaining = $left } | ConvertTo-Json -Compress)
`;

export interface WuRound {
  installed: string[];
  rebootRequired: boolean;
  remaining: number;
}

/** The script's JSON line (its last line that parses), or an error naming what came back. */
export function parseWuOutput(output: string, vmName: string): WuRound {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith("{"));
  for (const line of lines.reverse()) {
    try {
      const v = JSON.parse(line) as Partial<WuRound>;
      const installed = Array.isArray(v.installed) ? v.installed.filter((k): k is string => typeof k === "string" && /^KB\d+$/.test(k)) : [];
      return { installed, rebootRequired: v.rebootRequired === true, remaining: typeof v.remaining === "number" ? v.remaining : 0 };
    } catch {
      // not the result line
    }
  }
  throw new Error(`packaging machine ${vmName}: the Windows Update round printed no result line; its output ends: ${output.slice(-400).trim() || "(empty)"}`);
}
