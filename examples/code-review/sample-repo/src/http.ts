/** Fetch a URL and decode its JSON body. */
export async function get(url: string): Promise<unknown> {
  const res = await fetch(url);
  return res.json();
}
