import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { freeLoopbackPort, parseProcNetTcp, pidListensOn } from '../../../adapter/qemu/ports';

// Two lines as Linux prints them: a LISTEN socket on 127.0.0.1:1234 and an ESTABLISHED one.
const SAMPLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:04D2 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 424242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:9C40 0100007F:04D2 01 00000000:00000000 00:00000000 00000000     0        0 515151 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
`;

describe('qemu/ports', () => {
  it('parses LISTEN entries of /proc/net/tcp (address in host byte order)', () => {
    assert.deepEqual(parseProcNetTcp(SAMPLE), [
      { ip: '127.0.0.1', port: 1234, inode: 424242 },
      { ip: '0.0.0.0', port: 22, inode: 777 },
    ]);
    assert.deepEqual(parseProcNetTcp('header only\n\n garbage line\n'), []);
  });

  it('finds our own listening socket through /proc and not a foreign port', async () => {
    const srv = net.createServer();
    await new Promise<void>(r => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      assert.ok(await pidListensOn(process.pid, port), 'our listener was not found');
      const other = await freeLoopbackPort();
      assert.equal(await pidListensOn(process.pid, other), undefined);
      // pid 1 does not own our socket
      assert.equal(await pidListensOn(1, port), undefined);
    } finally {
      await new Promise(r => srv.close(r));
    }
  });
});
