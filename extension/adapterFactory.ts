// Creates the debug adapter: inline in the extension host by default (fast start, one process);
// `exo.adapter.external` runs dist/adapter.js as its own process instead (for debugging it).
import * as vscode from 'vscode';
import * as path from 'node:path';
import { ExoDebugSession } from '../adapter/session/session';

export class ExoAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionPath: string) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const external = vscode.workspace.getConfiguration('exo').get<boolean>('adapter.external', false);
    if (external) {
      return new vscode.DebugAdapterExecutable(process.execPath, [path.join(this.extensionPath, 'dist', 'adapter.js')]);
    }
    return new vscode.DebugAdapterInlineImplementation(new ExoDebugSession());
  }
}
