import { computed, getCurrentInstance, onBeforeUnmount, ref, watch, type ComputedRef } from 'vue';

/**
 * A value that follows `source` at most once every `intervalMs` while `throttle()` holds: the first change at
 * once, then the newest one at the end of each interval, so the last change always shows. While `throttle()`
 * does not hold (the run ended, nothing streams), it is `source` itself, at once.
 *
 * For views a reader cannot follow at the rate live messages come (counters, the log, the text summary): they
 * redraw a few times a second instead of on every message, and show the same as before once the run is over.
 */
export function useThrottled<T>(source: () => T, intervalMs: number, throttle: () => boolean): ComputedRef<T> {
  const shown = ref(source()) as { value: T };
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = 0;
  function show(): void {
    timer = null;
    last = Date.now();
    shown.value = source();
  }
  watch(source, () => {
    if (!throttle()) {
      if (timer !== null) clearTimeout(timer);
      show();
      return;
    }
    if (timer !== null) return;
    const wait = last + intervalMs - Date.now();
    if (wait <= 0) show();
    else timer = setTimeout(show, wait);
  });
  if (getCurrentInstance()) {
    onBeforeUnmount(() => {
      if (timer !== null) clearTimeout(timer);
    });
  }
  return computed(() => (throttle() ? shown.value : source()));
}
