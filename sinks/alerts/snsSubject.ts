/**
 * The Subject line of an SNS message, on its own without the SDK: the daily digest's report
 * builds one, and `adstream digest` is defined (for --help and every other command) without
 * loading the SNS client.
 *
 * SNS takes a Subject "less than 100 characters long", on one line, without control characters
 * (printable ASCII here, so every mail client shows it alike). 100 was let through until the
 * local SNS refused it as SNS does.
 */
export const SNS_SUBJECT_MAX = 99;

/** `text` then `suffix` as a Subject SNS accepts: printable ASCII, `text` cut with "..." so that both fit in SNS_SUBJECT_MAX. */
export function snsSubject(text: string, suffix = ''): string {
  const subject = text.replace(/[^\x20-\x7e]/g, '?');
  const room = SNS_SUBJECT_MAX - suffix.length;
  return (subject.length <= room ? subject : `${subject.slice(0, room - 3)}...`) + suffix;
}
