/** True once `promise` has settled, after letting pending I/O and microtasks run a few turns. */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  const mark = (): void => {
    done = true;
  };
  void promise.then(mark, mark);
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return done;
}
