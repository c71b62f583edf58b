/**
 * Marks a problem detail kept in a constant or passed through a helper, so the catalogue test
 * (test/routes/language.test.ts) finds it like the text of `new AppError(code, '…')`. It returns its
 * argument: translation happens once, in the error handler (src/i18n/catalogue.ts).
 */
export const detailText = (text: string): string => text
