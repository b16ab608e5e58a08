import { useEffect, useState } from 'react';

/** The current time, ticking once a second while `active` (elapsed time, retry countdown, "updated 3s ago"). */
export function useNow(active: boolean, clock: () => number = Date.now): number {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    if (!active) return;
    setNow(clock());
    const timer = setInterval(() => setNow(clock()), 1_000);
    return () => clearInterval(timer);
  }, [active, clock]);
  return now;
}
