// Monitor commands (gdb's `monitor …`).
//
//   -> | "qRcmd," hex(command) |
//   <- | "O" hex(text) |*  one per output line, then  | "OK" | or | "Exx" | (E22: empty command)
import { toHex } from '../../common/hex';

export const encodeMonitor = (command: string) => 'qRcmd,' + toHex(Buffer.from(command, 'utf8'));
