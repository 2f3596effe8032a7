int main() { return 0; }  // replaced by the serve/export/import/check CLI
