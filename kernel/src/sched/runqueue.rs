//! Per-CPU run queues: a fixed ring of process slots each, under its own lock (taken with
//! interrupts off, after the process table lock when both are held).
use crate::arch::x86_64::smp::MAX_CPUS;
use crate::proc::MAX_PROCS;
use crate::sync::SpinLock;

pub struct RunQueue {
    slots: [u16; MAX_PROCS],
    head: usize,
    len: usize,
}

impl RunQueue {
    const EMPTY: RunQueue = RunQueue { slots: [0; MAX_PROCS], head: 0, len: 0 };

    pub fn push(&mut self, slot: usize) {
        assert!(self.len < MAX_PROCS, "run queue overflow");
        self.slots[(self.head + self.len) % MAX_PROCS] = slot as u16;
        self.len += 1;
    }

    pub fn pop(&mut self) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let s = self.slots[self.head] as usize;
        self.head = (self.head + 1) % MAX_PROCS;
        self.len -= 1;
        Some(s)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn len(&self) -> usize {
        self.len
    }
}

pub static RUNQ: [SpinLock<RunQueue>; MAX_CPUS] = [const { SpinLock::new(RunQueue::EMPTY) }; MAX_CPUS];
