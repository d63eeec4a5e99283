// bcrypt vectors from the bcryptjs npm package, for tests/apps/apps_unit_test.cpp.
//   node bcrypt_vectors.js gen          -> JSON array of {password, hash} made now by bcryptjs
//   node bcrypt_vectors.js check FILE   -> FILE: JSON array of {password, hash} made by our code;
//                                          prints JSON array of booleans (bcryptjs.compareSync)
"use strict";
const bcrypt = require("bcryptjs");
const fs = require("fs");

const passwords = [
  "", "a", "password", "correct horse battery staple", "p\u00e4ssw\u00f6rd \u2603",
  "x".repeat(71), "y".repeat(72), "z".repeat(73) , "long ".repeat(40), "tab\tand\nnewline",
];

if (process.argv[2] === "gen") {
  const out = [];
  passwords.forEach((pw, i) => {
    const cost = 4 + (i % 3);                        // 4, 5, 6
    const minor = ["a", "b", "y"][i % 3];
    const salt = bcrypt.genSaltSync(cost).replace(/^\$2a\$/, `$2${minor}$`);
    out.push({ password: pw, hash: bcrypt.hashSync(pw, salt) });
  });
  out.push({ password: "cost ten", hash: bcrypt.hashSync("cost ten", 10) });
  process.stdout.write(JSON.stringify(out));
} else if (process.argv[2] === "check") {
  const items = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
  process.stdout.write(JSON.stringify(items.map((it) => bcrypt.compareSync(it.password, it.hash))));
} else {
  console.error("usage: bcrypt_vectors.js gen | check FILE");
  process.exit(2);
}
