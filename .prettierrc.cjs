// Prettier settings of the OCA addons-repo template for 18.0 (JS, XML, YAML, JSON, Markdown).
/** @type {import('prettier').Config} */
module.exports = {
    plugins: [require.resolve("@prettier/plugin-xml")],
    printWidth: 88,
    bracketSpacing: false,
    proseWrap: "always",
    semi: true,
    trailingComma: "es5",
    // text and tail whitespace are content in Odoo XML (QWeb, html fields)
    xmlWhitespaceSensitivity: "preserve",
};
