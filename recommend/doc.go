// Package recommend is the 推荐表, the form on which an agency proposes
// itself as 优秀单位 and its staff as 优秀个人 after the results are out
// (step 4 of the notice): its definition as data (recommend-2021.yaml,
// embedded), the blank form with an agency's name and quota filled in, the
// reader of a returned form, and the checks against the agency's quota,
// grade and the rules of the 公示.
//
// The form asks for no ID number, home address or personal phone, and the
// package logs nothing: persons' data stays in the values it returns.
package recommend
