import { userInfo } from 'node:os';

/** Who the audit log names: the OS account running the app (there are no app accounts; the workstation is single-user). */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // userInfo() throws where the uid has no passwd entry (some containers).
    return process.env.USER ?? process.env.USERNAME ?? `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}
