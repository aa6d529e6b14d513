// Resolves `exo-kernel` debug configurations: F5 without a launch.json debugs Exo-OS, and
// relative paths get the workspace folder.
import * as vscode from 'vscode';

export const EXO_DEFAULT_LAUNCH = {
  type: 'exo-kernel',
  request: 'launch',
  name: 'Debug Exo-OS in QEMU',
  buildCommand: 'npm run build:kernel',
  kernel: '${workspaceFolder}/build/kernel/exo.elf',
  cpus: 4,
  memory: '256M',
  stopAtEntry: false,
};

export class ExoConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [{ ...EXO_DEFAULT_LAUNCH }];
  }

  resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    // An empty config means F5 with no launch.json: debug Exo-OS in this workspace.
    if (!config.type && !config.request && !config.name) {
      if (!folder) {
        void vscode.window.showErrorMessage('Open the Exo-OS folder first: F5 without a launch.json debugs the kernel of the open workspace.');
        return undefined;
      }
      return { ...EXO_DEFAULT_LAUNCH };
    }
    if (config.request === 'launch' && !config.kernel) {
      void vscode.window.showErrorMessage('The exo-kernel launch configuration needs "kernel": the image QEMU boots (e.g. ${workspaceFolder}/build/kernel/exo.elf).');
      return undefined;
    }
    if (folder && !config.cwd) config.cwd = folder.uri.fsPath;
    return config;
  }
}
