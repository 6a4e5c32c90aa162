/* xe-bcrypt PASSWORD [COST]: prints a bcrypt hash of PASSWORD for a web
 * config's basic_auth_users, with libxcrypt (crypt_gensalt_rn + crypt_r),
 * so the tests need neither htpasswd nor a Python bcrypt module. */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: xe-bcrypt PASSWORD [COST]\n");
        return 2;
    }
    unsigned long cost = argc == 3 ? strtoul(argv[2], NULL, 10) : 10;
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd || !crypt_gensalt_rn("$2y$", cost, NULL, 0, salt, sizeof salt)) {
        fprintf(stderr, "xe-bcrypt: cannot make a salt\n");
        return 1;
    }
    const char *h = crypt_r(argv[1], salt, cd);
    if (!h || h[0] != '$') {
        fprintf(stderr, "xe-bcrypt: crypt_r failed\n");
        return 1;
    }
    puts(h);
    free(cd);
    return 0;
}
