// disassemble: decodes at a memory reference in the vCPU's current mode. Uses the x86
// disassembler (adapter/x86/disasm) once it is available.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ExoError } from '../../common/errors';
import type { RspThreadId } from '../../common/types';
import type { Runtime } from '../runtime';

export async function disassemble(_rt: Runtime, _thread: RspThreadId, _args: DebugProtocol.DisassembleArguments): Promise<DebugProtocol.DisassembleResponse['body']> {
  throw new ExoError('user', 'Disassembly is not available in this build yet.');
}
