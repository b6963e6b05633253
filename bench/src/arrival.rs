//! A TCP stream that remembers when the kernel received what it reads.
//!
//! The tool notes a frame when its task runs, and on a two-core machine
//! shared with the server that can be milliseconds after the frame reached
//! the socket: the tool's thread waits for a CPU the server's fan-out holds.
//! A display on another box has no such wait. So each read also asks the
//! kernel for the receive timestamp of the data it returns
//! (`SO_TIMESTAMPNS`), and the report gives both instants: when the frame
//! was read and when it arrived.

use nix::sys::socket::{
    ControlMessageOwned, MsgFlags, recvmsg, setsockopt, sockopt::ReceiveTimestampns,
};
use nix::sys::time::TimeSpec;
use std::io::{self, IoSliceMut};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

#[derive(Debug)]
pub struct ArrivalStream {
    io: TcpStream,
    /// When the kernel received the data of the latest read.
    arrived: Option<Instant>,
}

impl ArrivalStream {
    /// Asks the kernel to stamp what `io` receives from now on.
    pub fn new(io: TcpStream) -> io::Result<Self> {
        setsockopt(&io, ReceiveTimestampns, &true)?;
        Ok(Self { io, arrived: None })
    }

    /// When the data of the latest read reached the socket; `None` if the
    /// kernel did not stamp it (it starts stamping a moment after the first
    /// socket of the machine asks, from a deferred work item).
    pub fn arrived(&self) -> Option<Instant> {
        self.arrived
    }

    /// One `recvmsg`: the bytes, and the kernel's timestamp if it sent one.
    fn recv_stamped(&self, buf: &mut [u8]) -> io::Result<(usize, Option<TimeSpec>)> {
        let mut space = nix::cmsg_space!(TimeSpec);
        let mut iov = [IoSliceMut::new(buf)];
        let msg = recvmsg::<()>(
            self.io.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::empty(),
        )?;
        let stamp = msg.cmsgs()?.find_map(|cmsg| match cmsg {
            ControlMessageOwned::ScmTimestampns(stamp) => Some(stamp),
            _ => None,
        });
        Ok((msg.bytes, stamp))
    }
}

/// The kernel stamps with the wall clock; the tool measures on the
/// monotonic one. Read both now and take the stamp's age off.
fn to_instant(stamp: TimeSpec) -> Option<Instant> {
    let (secs, nanos) = (u64::try_from(stamp.tv_sec()).ok()?, stamp.tv_nsec());
    let wall = UNIX_EPOCH + Duration::new(secs, u32::try_from(nanos).ok()?);
    let (now, now_wall) = (Instant::now(), SystemTime::now());
    // A stamp "from the future" (the wall clock stepped back) counts as now.
    let age = now_wall.duration_since(wall).unwrap_or_default();
    now.checked_sub(age)
}

impl AsyncRead for ArrivalStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            ready!(this.io.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match this
                .io
                .try_io(Interest::READABLE, || this.recv_stamped(unfilled))
            {
                Ok((read, stamp)) => {
                    // An unstamped read forgets the last stamp: these
                    // bytes came later than that one's.
                    this.arrived = stamp.and_then(to_instant);
                    buf.advance(read);
                    return Poll::Ready(Ok(()));
                }
                // Readiness was stale; `try_io` cleared it, so wait again.
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
    }
}

impl AsyncWrite for ArrivalStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    #[tokio::test]
    async fn a_read_carries_the_instant_its_bytes_reached_the_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut reader = ArrivalStream::new(TcpStream::connect(addr).await.unwrap()).unwrap();
        let (mut writer, _) = listener.accept().await.unwrap();
        assert_eq!(reader.arrived(), None);
        let mut buf = [0u8; 16];
        // The kernel turns receive stamps on from a deferred work item when
        // the machine's first socket asks: wait (up to 1 s) until it stamps.
        for _ in 0..100 {
            writer.write_all(b"w").await.unwrap();
            assert_eq!(reader.read(&mut buf).await.unwrap(), 1);
            if reader.arrived().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(
            reader.arrived().is_some(),
            "the kernel never stamped a read"
        );

        let before = Instant::now();
        writer.write_all(b"frame").await.unwrap();
        // The bytes wait in the socket while this task sleeps: the stamp
        // must say when they came, not when they were read.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let read = reader.read(&mut buf).await.unwrap();
        let after = Instant::now();

        assert_eq!(&buf[..read], b"frame");
        let arrived = reader.arrived().expect("a receive timestamp");
        // A little slack on the early side: the two clocks are read apart.
        assert!(
            arrived + Duration::from_millis(1) >= before,
            "{arrived:?} < {before:?}"
        );
        assert!(
            after.duration_since(arrived) >= Duration::from_millis(40),
            "stamped at the read, not at the arrival"
        );
    }
}
